import HangarBots
import Testing

@Suite("Bot pieces: reply splitting and the webhook secret")
struct BotPiecesTests {
    @Test("a reply is cut at paragraphs, then lines, then sentences, then spaces; a word longer than the limit is cut anywhere")
    func splitting() {
        #expect(ReplySplitter.split("short", limit: 10) == ["short"])
        #expect(ReplySplitter.split("", limit: 10) == [""])
        #expect(ReplySplitter.split("para one.\n\npara two is here", limit: 20) == ["para one.", "para two is here"])
        #expect(ReplySplitter.split("line one\nline two\nline three", limit: 20) == ["line one\nline two", "line three"])
        #expect(ReplySplitter.split("First one. Second one. Third.", limit: 24) == ["First one. Second one.", "Third."])
        #expect(ReplySplitter.split("aaaa bbbb cccc dddd", limit: 10) == ["aaaa bbbb", "cccc dddd"])
        #expect(ReplySplitter.split(String(repeating: "x", count: 25), limit: 10) == ["xxxxxxxxxx", "xxxxxxxxxx", "xxxxx"])
        // Counted in UTF-16 as Telegram counts; an emoji (two units) is never cut in half.
        let emoji = String(repeating: "😀", count: 5)
        let pieces = ReplySplitter.split(emoji, limit: 3)
        #expect(pieces.joined() == emoji && pieces.allSatisfy { $0.utf16.count <= 3 })
        // Nothing but whitespace is lost.
        let text = (1...500).map { "Sentence number \($0) has some words in it." }.joined(separator: " ")
        let split = ReplySplitter.split(text, limit: 4096)
        #expect(split.count > 1 && split.allSatisfy { $0.utf16.count <= 4096 } && split.joined(separator: " ") == text)
    }

    @Test("the secret token is in Telegram's alphabet, fresh each time, and checked against its hash only")
    func secretToken() {
        let token = BotSecretToken.make()
        #expect(token.count == 64 && token.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") })
        #expect(BotSecretToken.make() != token)
        let hash = BotSecretToken.hash(token)
        #expect(hash.count == 64 && !hash.contains(token))
        #expect(BotSecretToken.matches(token, storedHash: hash))
        #expect(!BotSecretToken.matches(token + "x", storedHash: hash) && !BotSecretToken.matches("", storedHash: hash))
    }
}
