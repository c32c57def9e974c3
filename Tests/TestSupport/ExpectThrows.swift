import Testing

/// The error `body` throws, for tests that check its message: an issue is recorded when `body`
/// returns or throws something other than an `E`, as `#expect(throws:)` does. (Swift Testing
/// returns the error from `#expect(throws:)` only from Swift 6.1 on; the package builds with 6.0.)
public func expectThrows<E: Error, R>(_ errorType: E.Type, sourceLocation: SourceLocation = #_sourceLocation,
                                      _ body: () throws -> R) -> E? {
    do {
        _ = try body()
    } catch let error as E {
        return error
    } catch {
        Issue.record("expected \(E.self) to be thrown, got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
        return nil
    }
    Issue.record("expected \(E.self) to be thrown, nothing was", sourceLocation: sourceLocation)
    return nil
}
