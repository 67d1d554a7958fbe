import FlowcDiagnostics
import FlowcSpec

/// A conditioner MLP with concrete sizes: inputs → hidden... → outputs.
package struct Net: Sendable {
  /// `scale`, `shift` or `net`: the role in its coupling.
  package var role: String
  package var inputs: Int
  package var hidden: [Located<Int>]
  package var outputs: Int
  package var activation: Located<Activation>
  package var outputActivation: Located<Activation>
  package var initialization: NetInit
  /// The template it came from, if any.
  package var template: String?
  /// Where it is defined (the template or the inline mapping).
  package var range: SourceRange

  package init(role: String, inputs: Int, hidden: [Located<Int>], outputs: Int, activation: Located<Activation>,
              outputActivation: Located<Activation>, initialization: NetInit, template: String?, range: SourceRange) {
    self.role = role
    self.inputs = inputs
    self.hidden = hidden
    self.outputs = outputs
    self.activation = activation
    self.outputActivation = outputActivation
    self.initialization = initialization
    self.template = template
    self.range = range
  }

  /// Layer widths from input to output: [2, 256, 256, 2].
  package var widths: [Int] { [inputs] + hidden.map(\.value) + [outputs] }

  /// Weights and biases of every `nn.Linear`: sum of (in + 1) * out.
  package var parameterCount: Int {
    let w = widths
    var total = 0
    for i in 0..<(w.count - 1) {
      total = total.addingSaturating(max(0, w[i]).addingSaturating(1).multipliedSaturating(by: max(0, w[i + 1])))
    }
    return total
  }

  /// Multiply-adds of one forward pass, times 2 (FLOPs).
  package var flopsPerSample: Int {
    let w = widths
    var total = 0
    for i in 0..<(w.count - 1) {
      total = total.addingSaturating(2.multipliedSaturating(by: max(0, w[i]).multipliedSaturating(by: max(0, w[i + 1]))))
    }
    return total
  }

  /// Values a training step keeps per sample: each layer's pre- and post-activation.
  package var activationValues: Int {
    (hidden.map { max(0, $0.value) } + [outputs]).reduce(0) { $0.addingSaturating($1.multipliedSaturating(by: 2)) }
  }

  /// `2-256-256-2`.
  package var shapeDescription: String { widths.map(String.init).joined(separator: "-") }

  /// `scale 2-256-256-2 leaky_relu(0.01)/tanh`, as the IR prints it.
  package var irText: String {
    var text = "\(role) \(shapeDescription) \(activation.value.description)"
    if outputActivation.value != .identity { text += "/\(outputActivation.value.description)" }
    if initialization != .pytorch { text += " \(initialization.rawValue)" }
    return text
  }
}

extension Net {
  /// The net in the IR JSON.
  var json: JSONValue {
    .object([
      ("role", .string(role)),
      ("widths", .array(widths.map { .int($0) })),
      ("activation", .string(activation.value.description)),
      ("output_activation", .string(outputActivation.value.description)),
      ("init", .string(initialization.rawValue)),
      ("template", template.map { .string($0) } ?? .null),
      ("parameters", .int(parameterCount)),
    ])
  }

  /// The net's fields as `flowc diff` compares them, named `<role>.<field>`.
  var comparedFields: [NodeField] {
    [
      NodeField("\(role).widths", shapeDescription, at: hidden.first?.range ?? range),
      NodeField("\(role).activation", activation.value.description, at: activation.range),
      NodeField("\(role).output_activation", outputActivation.value.description, at: outputActivation.range),
      NodeField("\(role).init", initialization.rawValue, at: range),
    ]
  }
}
