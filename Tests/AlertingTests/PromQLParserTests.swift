import Testing
@testable import Alerting
