import Testing

/// Ends the current test, or the current case of a parameterized test, as skipped, with
/// `reason` in the results: Swift Testing's cancellation (Swift 6.3 on). Older toolchains (the
/// Debian 13 check builds with 6.0) print the reason instead, and the caller's `return` ends the
/// case. So a kernel this CPU lacks shows as skipped, never as a silent pass.
public func skip(_ reason: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    #if compiler(>=6.3)
    try Test.cancel(Comment(rawValue: reason), sourceLocation: sourceLocation)
    #else
    print("skipped: \(reason)")
    #endif
}
