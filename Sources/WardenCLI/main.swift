import ArgumentParser
import Dispatch
import Foundation
import Supervisor

// The supervisor consumes SIGCHLD/SIGTERM/SIGINT/SIGHUP from a signalfd; they must be blocked
// before any thread exists so that every thread inherits the mask. This file therefore stays
// synchronous: top-level `await` would run it on a pool thread after other threads exist.
if CommandLine.arguments.dropFirst().first == "supervise" {
    ProcessSignals.blockBeforeThreadsStart()
}

// dispatchMain() would unblock them on this thread again; a semaphore keeps the mask intact.
let finished = DispatchSemaphore(value: 0)
Task.detached {
    await Warden.main()
    finished.signal()
}
finished.wait()
