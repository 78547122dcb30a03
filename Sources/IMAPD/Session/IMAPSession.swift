import NIOCore
import Store

/// One IMAP connection's conversation as a state machine (RFC 9051 §3): it takes events
/// (framed input, the end of store work, mailbox changes) and returns the actions the
/// channel handler performs. It touches no socket and no store.
struct IMAPSession: Sendable {
    /// What the connection allows, decided when it was accepted.
    struct Settings: Sendable {
        var hostname: String
        var appendLimit: Int
        /// A certificate is configured, so STARTTLS can be offered.
        var tlsAvailable: Bool
        /// Passwords may be sent before TLS on this connection (loopback, or allowed by
        /// configuration).
        var plaintextAllowedWithoutTLS: Bool

        init(hostname: String, appendLimit: Int, tlsAvailable: Bool, plaintextAllowedWithoutTLS: Bool) {
            self.hostname = hostname
            self.appendLimit = appendLimit
            self.tlsAvailable = tlsAvailable
            self.plaintextAllowedWithoutTLS = plaintextAllowedWithoutTLS
        }
    }

    enum State: Sendable {
        case notAuthenticated
        /// AUTHENTICATE waits for the client's next SASL line.
        case authenticating(tag: String, SASL)
        /// Credentials are being checked.
        case loggingIn(tag: String)
        case authenticated
        case idling(tag: String)
        case loggedOut
    }

    enum LoginFailure: Error, Sendable {
        case credentials
        case tooManyConnections
        case temporary
    }

    enum Event: Sendable {
        case connected
        case input(CommandFramer.Event)
        case tlsStarted
        case loginFinished(Result<SessionContext, LoginFailure>)
        /// A store command ended; its output has been written. The context it leaves.
        case jobFinished(SessionContext)
        /// Changes to the selected mailbox, oldest first, all that were waiting: they are
        /// taken in together so that an announcement started by the first cannot overtake
        /// the later ones and leave an older new message behind a newer one.
        case changes([MailboxChange])
        /// Things that happened in the account, for a session with NOTIFY on.
        case accountEvents([AccountEvent])
        /// Time for IDLE's keepalive line.
        case idleTick
        /// The server is stopping (RFC 9051 §7.1.5 BYE).
        case shutdown
    }

    enum Action: @unchecked Sendable {
        case write(ByteBuffer)
        /// Run `job` on a store thread with `context`, step by step, writing each step's
        /// output; answer with `.jobFinished`.
        case run(any CommandJob, tag: String?, context: SessionContext)
        /// Check a login off the event loop; answer with `.loginFinished`.
        case login(user: String, password: String, authorize: String?)
        case startTLS
        /// Put DEFLATE on the connection once what is written so far has gone out.
        case startCompression
        /// The session logged in: authenticated timeouts apply from now.
        case loggedIn
        case close
    }

    let settings: Settings
    var state: State = .notAuthenticated
    var context: SessionContext?
    var tlsActive: Bool
    var compressionActive = false
    /// A store command is running; changes wait in `queued` until it ends.
    var running = false
    var queued: [MailboxChange] = []
    /// The mailbox the queued changes are of: a command that selects another drops them.
    var queuedFor: MailboxID?
    var queuedEvents: [AccountEvent] = []
    /// IDLE's DONE came while the last announcement was still being made.
    var idleDone = false
    var clientName: String?

    init(settings: Settings, tlsActive: Bool) {
        self.settings = settings
        self.tlsActive = tlsActive
    }

    var plaintextAllowed: Bool { tlsActive || settings.plaintextAllowedWithoutTLS }
    var utf8: Bool { context?.options.utf8 ?? false }
    var isIdling: Bool { if case .idling = state { return true } else { return false } }

    var capabilities: [String] {
        Capabilities.list(loggedIn: context != nil, tlsActive: tlsActive, tlsAvailable: settings.tlsAvailable,
                          plaintextAllowed: plaintextAllowed, compressionActive: compressionActive, appendLimit: settings.appendLimit)
    }

    func write(_ responses: Response...) -> Action {
        var e = ResponseEncoder(utf8: utf8)
        for r in responses { e.write(r) }
        return .write(e.buffer)
    }

    mutating func handle(_ event: Event) -> [Action] {
        switch event {
        case .connected:
            return [write(.untagged(.ok("\(settings.hostname) Roost IMAP ready", .capability(capabilities))))]
        case .tlsStarted:
            tlsActive = true
            return []
        case .input(let input):
            return handleInput(input)
        case .loginFinished(let result):
            return loginFinished(result)
        case .jobFinished(let context):
            return jobFinished(context)
        case .changes(let changes):
            return changesArrived(changes)
        case .accountEvents(let events):
            guard context?.notify != nil else { return [] }
            queuedEvents += events
            return running ? [] : notifyNow()
        case .idleTick:
            guard case .idling = state, !running else { return [] }
            return [write(.untagged(.ok("Still here")))]
        case .shutdown:
            state = .loggedOut
            return [write(.untagged(StatusResponse(.bye, nil, "Server shutting down"))), .close]
        }
    }

    // MARK: Input

    private mutating func handleInput(_ input: CommandFramer.Event) -> [Action] {
        switch input {
        case .continuationNeeded:
            return [write(.continuation("Ready for literal data"))]
        case .lineTooLong(let tag):
            return [write(reject(tag, .bad("Line too long", .tooBig)))]
        case .literalTooLarge(let tag, let isAppend):
            return [write(reject(tag, isAppend ? .no("Message too large", .tooBig) : .bad("Literal too large", .tooBig)))]
        case .command(let buffer):
            switch state {
            case .authenticating(let tag, let sasl):
                return saslResponse(tag, sasl, String(decoding: buffer.readableBytesView, as: UTF8.self))
            case .idling(let tag):
                return idleInput(tag, buffer)
            case .loggingIn, .loggedOut:
                return []
            case .notAuthenticated, .authenticated:
                break
            }
            switch CommandParser.parse(buffer) {
            case .success(let tagged):
                return command(tagged)
            case .failure(let error):
                return [write(reject(error.tag, .bad(error.message, error.code)))]
            }
        }
    }

    /// A tagged response, or an untagged BAD when the tag could not be read.
    private func reject(_ tag: String?, _ status: StatusResponse) -> Response {
        tag.map { .tagged($0, status) } ?? .untagged(status)
    }

    private mutating func command(_ tagged: TaggedCommand) -> [Action] {
        let tag = tagged.tag
        switch tagged.command {
        case .capability:
            return [write(.capability(capabilities), .tagged(tag, .ok("CAPABILITY completed")))]
        case .logout:
            state = .loggedOut
            context?.observer.stopWatching()
            return [write(.untagged(StatusResponse(.bye, nil, "Logging out")), .tagged(tag, .ok("LOGOUT completed"))), .close]
        case .noop, .check:
            if case .check = tagged.command, context?.selected == nil { return [write(.tagged(tag, .bad("No mailbox selected")))] }
            guard let context, let view = context.selected else { return [write(.tagged(tag, .ok("NOOP completed")))] }
            // With nothing to announce (nothing collected, nothing waiting in the view, the
            // rights as last told) the answer needs no trip to the store threads: clients
            // that poll send NOOP every few seconds on every connection. A change made after
            // this look is told at the next command, as if it had come after the NOOP.
            if !view.hasPending, view.rights == view.announcedRights, context.notify == nil, !context.observer.hasChanges {
                return [write(.tagged(tag, .ok("NOOP completed")))]
            }
            return startJob(Announcer.Pending(), tag: tag, context: context)
        case .id(let fields):
            clientName = IDCommand.clientName(fields) ?? clientName
            context?.options.clientName = clientName
            return [write(.id(IDCommand.serverFields()), .tagged(tag, .ok("ID completed")))]
        case .startTLS, .login, .authenticate:
            guard context == nil else { return [write(.tagged(tag, .bad("Already logged in")))] }
            return notAuthenticated(tag, tagged.command)
        default:
            guard let context else { return [write(.tagged(tag, .bad("Log in first")))] }
            return authenticated(tag, tagged.command, context)
        }
    }

    // MARK: Not authenticated

    private mutating func notAuthenticated(_ tag: String, _ command: Command) -> [Action] {
        switch command {
        case .startTLS:
            guard settings.tlsAvailable else { return [write(.tagged(tag, .bad("TLS is not available")))] }
            guard !tlsActive else { return [write(.tagged(tag, .bad("TLS is already active")))] }
            return [write(.tagged(tag, .ok("Begin TLS negotiation now"))), .startTLS]
        case .login(let user, let password):
            guard plaintextAllowed else { return [write(.tagged(tag, Self.privacyRequired))] }
            state = .loggingIn(tag: tag)
            return [.login(user: String(decoding: user, as: UTF8.self), password: String(decoding: password, as: UTF8.self), authorize: nil)]
        case .authenticate(let mechanism, let initial):
            guard plaintextAllowed else { return [write(.tagged(tag, Self.privacyRequired))] }
            return saslStep(tag, SASL.start(mechanism, initialResponse: initial))
        default:
            return []
        }
    }

    static let privacyRequired = StatusResponse.no("Plaintext authentication disallowed on non-secure connections", .privacyRequired)

    private mutating func saslResponse(_ tag: String, _ sasl: SASL, _ line: String) -> [Action] {
        saslStep(tag, sasl.next(line))
    }

    private mutating func saslStep(_ tag: String, _ step: SASL.Step) -> [Action] {
        switch step {
        case .challenge(let text, let next):
            state = .authenticating(tag: tag, next)
            return [write(.continuation(text))]
        case .credentials(let c):
            state = .loggingIn(tag: tag)
            return [.login(user: c.user, password: c.password, authorize: c.authorize)]
        case .failure(let status):
            state = .notAuthenticated
            return [write(.tagged(tag, status))]
        }
    }

    private mutating func loginFinished(_ result: Result<SessionContext, LoginFailure>) -> [Action] {
        guard case .loggingIn(let tag) = state else { return [] }
        switch result {
        case .success(var context):
            context.options.clientName = clientName
            self.context = context
            state = .authenticated
            return [write(.tagged(tag, .ok("Logged in", .capability(capabilities)))), .loggedIn]
        case .failure(let failure):
            state = .notAuthenticated
            switch failure {
            case .credentials: return [write(.tagged(tag, .no("Authentication failed", .authenticationFailed)))]
            case .tooManyConnections: return [write(.tagged(tag, .no("Too many connections for this account", .limit)))]
            case .temporary: return [write(.tagged(tag, .no("Temporary authentication failure", .unavailable)))]
            }
        }
    }

    // MARK: Authenticated and selected

    private mutating func authenticated(_ tag: String, _ command: Command, _ context: SessionContext) -> [Action] {
        let selected = context.selected != nil
        let name = command.name
        switch command {
        case .enable(let names):
            guard !selected else { return [write(.tagged(tag, .bad("ENABLE is not allowed with a mailbox selected")))] }
            var options = context.options
            let enabled = Enable.apply(names, to: &options)
            self.context?.options = options
            return [write(.enabled(enabled), .tagged(tag, .ok("ENABLE completed")))]
        case .namespace:
            return [write(NamespaceCommand.response, .tagged(tag, .ok("NAMESPACE completed")))]
        case .idle:
            state = .idling(tag: tag)
            idleDone = false
            var actions = [write(.continuation("idling"))]
            if context.selected?.hasPending == true {
                actions += startJob(Announcer.Pending(), tag: nil, context: context)
            }
            return actions
        case .compress(let algorithm):
            guard algorithm == "DEFLATE" else { return [write(.tagged(tag, .bad("Unknown compression algorithm")))] }
            guard !compressionActive else { return [write(.tagged(tag, .no("Compression is already active", .compressionActive)))] }
            compressionActive = true
            return [write(.tagged(tag, .ok("DEFLATE active"))), .startCompression]
        default:
            break
        }
        if let job = Self.job(command, tag: tag) { return startJob(job, tag: tag, context: context) }
        guard selected else { return [write(.tagged(tag, .bad("No mailbox selected")))] }
        if let job = Self.selectedJob(command, tag: tag) { return startJob(job, tag: tag, context: context) }
        return [write(.tagged(tag, .bad("\(name) is not allowed now")))]
    }

    /// The store work of a command allowed whether or not a mailbox is selected.
    static func job(_ command: Command, tag: String) -> (any CommandJob)? {
        switch command {
        case .select(let mailbox, let parameters):
            return SelectCommand(mailbox: mailbox, readOnly: false, parameters: parameters)
        case .examine(let mailbox, let parameters):
            return SelectCommand(mailbox: mailbox, readOnly: true, parameters: parameters)
        case .create(let mailbox, let uses):
            return CreateCommand(mailbox: mailbox, specialUse: uses)
        case .delete(let mailbox):
            return DeleteCommand(mailbox: mailbox)
        case .rename(let from, let to):
            return RenameCommand(from: from, to: to)
        case .subscribe(let mailbox):
            return SubscribeCommand(mailbox: mailbox, subscribe: true)
        case .unsubscribe(let mailbox):
            return SubscribeCommand(mailbox: mailbox, subscribe: false)
        case .list(let arguments):
            return ListCommand(arguments: arguments)
        case .lsub(let reference, let pattern):
            return ListCommand(arguments: ListArguments(reference: reference, patterns: [pattern]), lsub: true)
        case .status(let mailbox, let attributes):
            return StatusCommand(mailbox: mailbox, attributes: attributes)
        case .append(let mailbox, let messages):
            return AppendCommand(mailbox: mailbox, messages: messages)
        case .setACL(let mailbox, let identifier, let rights):
            return ACLCommand(mailbox: mailbox, kind: .set(identifier: identifier, rights: rights))
        case .deleteACL(let mailbox, let identifier):
            return ACLCommand(mailbox: mailbox, kind: .delete(identifier: identifier))
        case .getACL(let mailbox):
            return ACLCommand(mailbox: mailbox, kind: .get)
        case .listRights(let mailbox, let identifier):
            return ACLCommand(mailbox: mailbox, kind: .listRights(identifier: identifier))
        case .myRights(let mailbox):
            return ACLCommand(mailbox: mailbox, kind: .myRights)
        case .getQuota(let root):
            return QuotaCommand(kind: .quota(root: root))
        case .getQuotaRoot(let mailbox):
            return QuotaCommand(kind: .root(mailbox))
        case .setQuota:
            return QuotaCommand(kind: .set)
        case .notify(let settings):
            return NotifyCommand(settings: settings)
        case .getMetadata(let mailbox, let names, let options):
            return MetadataCommand(mailbox: mailbox, kind: .get(names, options))
        case .setMetadata(let mailbox, let values):
            return MetadataCommand(mailbox: mailbox, kind: .set(values))
        default:
            return nil
        }
    }

    /// The store work of a command that needs a selected mailbox.
    static func selectedJob(_ command: Command, tag: String) -> (any CommandJob)? {
        switch command {
        case .close:
            return CloseCommand(expunge: true)
        case .unselect:
            return CloseCommand(expunge: false)
        case .expunge:
            return ExpungeCommand(uids: nil)
        case .uidExpunge(let set):
            return ExpungeCommand(uids: set)
        case .search(let arguments, let uid):
            return SearchCommand(arguments: arguments, byUID: uid, tag: tag)
        case .sort(let arguments, let uid):
            return SortCommand(arguments: arguments, byUID: uid, tag: tag)
        case .thread(let arguments, let uid):
            return ThreadCommand(arguments: arguments, byUID: uid)
        case .fetch(let set, let attributes, let modifiers, let uid):
            return FetchCommand(set: set, attributes: attributes, changedSince: modifiers.changedSince,
                                vanished: modifiers.vanished, partial: modifiers.partial, byUID: uid)
        case .store(let set, let action, let unchangedSince, let uid):
            return StoreFlagsCommand(set: set, action: action, unchangedSince: unchangedSince, byUID: uid)
        case .copy(let set, let mailbox, let uid):
            return CopyCommand(set: set, mailbox: mailbox, byUID: uid, move: false)
        case .move(let set, let mailbox, let uid):
            return CopyCommand(set: set, mailbox: mailbox, byUID: uid, move: true)
        default:
            return nil
        }
    }

    /// The job and tag of `input`, framed while a job runs, if it may run on the store
    /// thread straight after that job, in the same trip (see `CommandJob.chains`): a
    /// command that neither changes what is selected nor needs anything decided between
    /// commands (NOTIFY, IDLE, a synchronous answer). `selected` says whether a mailbox
    /// was selected when the running job began.
    func chained(_ input: CommandFramer.Event, selected: Bool) -> (job: any CommandJob, tag: String)? {
        guard running, case .authenticated = state, let context, context.notify == nil,
              case .command(let buffer) = input, case .success(let tagged) = CommandParser.parse(buffer) else { return nil }
        guard let job = Self.job(tagged.command, tag: tagged.tag) ?? (selected ? Self.selectedJob(tagged.command, tag: tagged.tag) : nil),
              job.chains else { return nil }
        return (job, tagged.tag)
    }

    private mutating func startJob(_ job: any CommandJob, tag: String?, context: SessionContext) -> [Action] {
        running = true
        return [.run(job, tag: tag, context: context)]
    }

    private mutating func jobFinished(_ finished: SessionContext) -> [Action] {
        running = false
        var context = finished
        if let id = queuedFor, context.selected?.id == id {
            for change in queued { context.selected?.receive(change) }
        }
        queued.removeAll()
        queuedFor = nil
        self.context = context
        if context.mustDisconnect {
            state = .loggedOut
            context.observer.stopWatching()
            return [.close]
        }
        guard case .idling(let tag) = state else { return notifyNow() }
        if idleDone {
            state = .authenticated
            return [write(.tagged(tag, .ok("IDLE terminated")))]
        }
        let notified = notifyNow()
        if !notified.isEmpty { return notified }
        if context.selected?.hasPending == true {
            return startJob(Announcer.Pending(), tag: nil, context: context)
        }
        return []
    }

    // MARK: IDLE and changes

    private mutating func idleInput(_ tag: String, _ line: ByteBuffer) -> [Action] {
        let text = String(decoding: line.readableBytesView, as: UTF8.self)
        guard text.uppercased() == "DONE" else {
            state = .authenticated
            return [write(.tagged(tag, .bad("Expected DONE")))]
        }
        if running {
            idleDone = true
            return []
        }
        state = .authenticated
        return [write(.tagged(tag, .ok("IDLE terminated")))]
    }

    private mutating func changesArrived(_ changes: [MailboxChange]) -> [Action] {
        guard context?.selected != nil, !changes.isEmpty else { return [] }
        if running {
            if queuedFor != context?.selected?.id { queued.removeAll() }
            queuedFor = context?.selected?.id
            queued += changes
            return []
        }
        for change in changes { context?.selected?.receive(change) }
        if case .idling = state, let context, context.notify == nil {
            return startJob(Announcer.Pending(), tag: nil, context: context)
        }
        return notifyNow()
    }

    /// With NOTIFY on, between commands: what waits is told at once (RFC 5465 §3.1).
    private mutating func notifyNow() -> [Action] {
        guard !running, let context, let notify = context.notify else { return [] }
        switch state {
        case .authenticated, .idling: break
        default: return []
        }
        // IDLE tells of the selected mailbox whatever NOTIFY says of it.
        let tellsSelected = notify.watchesSelected || isIdling
        let delayed = notify.delaysExpunge && !isIdling
        guard !queuedEvents.isEmpty || tellsSelected && context.selected?.hasPending(allowExpunge: !delayed) == true else { return [] }
        let events = queuedEvents
        queuedEvents.removeAll()
        return startJob(NotifyAnnouncer(events: events, tellsSelected: tellsSelected, delaysExpunge: delayed),
                        tag: nil, context: context)
    }
}
