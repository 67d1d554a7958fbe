#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#else
  import Darwin
#endif

// Double-precision libm entry points under names that do not collide with the
// `FlowScalar` static requirements of the same name (inside `extension Double`,
// a bare `exp` would resolve to the static method and recurse).

/// libm `exp` for doubles.
@usableFromInline func libm_exp(_ x: Double) -> Double { exp(x) }
/// libm `log` for doubles.
@usableFromInline func libm_log(_ x: Double) -> Double { log(x) }
/// libm `log1p` for doubles.
@usableFromInline func libm_log1p(_ x: Double) -> Double { log1p(x) }
/// libm `expm1` for doubles.
@usableFromInline func libm_expm1(_ x: Double) -> Double { expm1(x) }
/// libm `tanh` for doubles.
@usableFromInline func libm_tanh(_ x: Double) -> Double { tanh(x) }
/// libm `erf` for doubles.
@usableFromInline func libm_erf(_ x: Double) -> Double { erf(x) }
/// libm `cos` for doubles.
@usableFromInline func libm_cos(_ x: Double) -> Double { cos(x) }
