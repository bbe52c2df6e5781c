import HangarCore

/// Text in: adding, stopping, interrupting, cancelling.
extension SpeechStream {
    /// Adds text (sessions; a request's text is added once when it is made). Complete
    /// segments start synthesising at once; `flush` releases an unfinished last sentence too.
    /// `voice` and `params` apply from the next segment on.
    func add(_ text: String, flush: Bool = false, voice newVoice: Voice? = nil, params newParams: SpeechParams? = nil) throws {
        guard state == .open else { throw HangarError.conflict("speech \(kind.rawValue) '\(id)' is \(state.rawValue); it takes no more text") }
        let limits = engine.configuration.limits
        let count = text.count
        if count > limits.maximumTextCharacters {
            throw HangarError.invalid(field: "text", message: "must be at most \(limits.maximumTextCharacters) characters (got \(count))")
        }
        if queuedCharacters + segmenter.pendingCharacters + count > limits.maximumQueuedCharacters {
            throw SpeechError.limit(
                "session '\(id)' already holds \(queuedCharacters + segmenter.pendingCharacters) characters not yet spoken (limit \(limits.maximumQueuedCharacters))",
                retryAfterSeconds: 1
            )
        }
        if let newVoice { voice = newVoice }
        if let newParams { params = newParams }
        if firstTextAt == nil, !text.isEmpty { firstTextAt = .now }
        charactersReceived += count
        lastActivity = .now
        var segments = segmenter.append(text)
        if flush { segments += segmenter.flush() }
        enqueue(segments)
    }

    /// No more text: what is pending is spoken, then the stream completes. With `cancel`,
    /// everything stops at once instead.
    func stop(cancel: Bool) {
        guard !state.isFinal else { return }
        if cancel {
            stopSynthesis()
            frames.clear()  // listeners end at once
            finish(.cancelled)
            return
        }
        if state == .open {
            enqueue(segmenter.flush())
            state = .closing
            changed()
        }
        completeIfDone()
    }

    /// Barge-in: drops pending text, synthesis under way and audio not yet played; a
    /// session stays open for new text. Returns whether there was anything to stop.
    @discardableResult
    func interrupt() -> Bool {
        guard !state.isFinal else { return false }
        let busy = producing || segmenter.pendingCharacters > 0 || frames.retained > 0 || splicer.bufferedSamples > 0
        stopSynthesis()
        segmenter.reset()
        frames.clear()
        for reader in readers.keys { readers[reader] = frames.end }
        if busy { interruptions += 1 }
        changed()
        if state == .closing { completeIfDone() }
        return busy
    }

    /// Cancels in-flight synthesis and forgets queued segments and the splicer's tail.
    func stopSynthesis() {
        epoch += 1
        for task in inFlight.values { task.cancel() }
        inFlight.removeAll()
        ready.removeAll()
        queue.removeAll()
        queuedCharacters = 0
        nextToDeliver = nextSequence
        previousBoundary = nil
        splicer.reset()
    }

    func enqueue(_ segments: [TextSegment]) {
        let effective = voice.params.adjusted(by: params)
        for segment in segments {
            let job = SegmentJob(
                text: segment.text,
                boundary: segment.boundary,
                continuesPrevious: previousBoundary?.continuesPhrase ?? false,
                voice: voice,
                params: effective
            )
            queue.append((nextSequence, job))
            nextSequence += 1
            queuedCharacters += segment.text.count
            previousBoundary = segment.boundary
        }
        pump()
    }
}
