/// A stage's catalog of stable diagnostic ids: an enum whose raw values are the
/// kebab-case ids (`mask-size`) that docs/diagnostics.md documents.
///
/// Diagnostics are built from a case of one of these, never from a string, so every id
/// a stage can emit is listed in its catalog, and `allCases` lets the tests check that
/// each one has a fixture and a docs entry.
package protocol DiagnosticID: RawRepresentable<String>, CaseIterable, Hashable, Sendable {}
