#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#else
import Darwin
#endif

// Thin wrappers so the generator's inlinable methods need no Foundation import.
@usableFromInline func _log(_ x: Double) -> Double { log(x) }
@usableFromInline func _log1p(_ x: Double) -> Double { log1p(x) }
@usableFromInline func _cos(_ x: Double) -> Double { cos(x) }
