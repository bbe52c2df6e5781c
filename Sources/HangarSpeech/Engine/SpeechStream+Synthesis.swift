import HangarErrorText

/// Segments to audio: parallel rendering, in-order delivery, splicing.
extension SpeechStream {
    /// Starts rendering queued segments while there is a free slot and room for the audio.
    func pump() {
        while !state.isFinal, !queue.isEmpty, inFlight.count < engine.parallel, hasRoom {
            let (sequence, job) = queue.removeFirst()
            let epoch = self.epoch
            let engine = self.engine
            inFlight[sequence] = Task {
                let result: Result<[Float], any Error>
                do {
                    result = .success(try await engine.render(job))
                } catch {
                    result = .failure(error)
                }
                self.rendered(sequence, epoch: epoch, job: job, result: result)
            }
        }
        completeIfDone()
    }

    /// Sessions wait while `capacityFrames` are synthesised and unheard.
    var hasRoom: Bool {
        guard kind == .session else { return true }
        let heard = readers.values.min() ?? frames.base
        return frames.end - heard < capacityFrames
    }

    func rendered(_ sequence: Int, epoch: Int, job: SegmentJob, result: Result<[Float], any Error>) {
        guard epoch == self.epoch, inFlight.removeValue(forKey: sequence) != nil else { return }
        queuedCharacters -= job.text.count
        ready[sequence] = result
        while let next = ready.removeValue(forKey: nextToDeliver) {
            nextToDeliver += 1
            switch next {
            case .success(let samples):
                segmentsDone += 1
                append(splicer.append(samples))
            case .failure(let error):
                if error is CancellationError { continue }
                segmentsFailed += 1
                lastError = ErrorText.describe(error)
                if kind == .request {
                    fail("synthesis failed: \(ErrorText.describe(error))")
                    return
                }
            }
        }
        // Nothing follows for now: release the held-back tail rather than keep a listener waiting for it.
        if !producing { append(splicer.flush()) }
        pump()
    }

    /// A closing stream whose last segment is delivered is complete.
    func completeIfDone() {
        guard state == .closing, !producing else { return }
        append(splicer.flush())
        if !state.isFinal { finish(.completed) }
    }

    func append(_ samples: [Int16]) {
        guard !samples.isEmpty, !state.isFinal else { return }
        if firstAudioAt == nil { firstAudioAt = .now }
        frames.append(samples)
        if kind == .request, frames.end > capacityFrames {
            fail("the audio is longer than the limit of \(engine.configuration.limits.maximumRequestAudio)")
            return
        }
        if kind == .session, frames.retained > capacityFrames {
            // Keep at most `capacityFrames`, never dropping what a listener has not heard.
            frames.drop(before: min(readers.values.min() ?? frames.base, frames.end - capacityFrames))
        }
        changed()
    }
}
