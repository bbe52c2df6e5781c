public import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A minimal element tree of an S3 XML reply. S3 answers in a default namespace and only its
/// leaf texts matter, so a SAX pass into this tree is simpler and sturdier than XPath.
struct S3XMLElement: Sendable {
    var name: String
    var text: String = ""
    var children: [S3XMLElement] = []

    func child(_ name: String) -> S3XMLElement? { children.first { $0.name == name } }
    func children(_ name: String) -> [S3XMLElement] { children.filter { $0.name == name } }
    func value(_ name: String) -> String? { child(name)?.text }

    static func parse(_ data: Data) -> S3XMLElement? {
        let builder = Builder()
        let parser = XMLParser(data: data)
        parser.delegate = builder
        guard parser.parse() else { return nil }
        return builder.root
    }

    private final class Builder: NSObject, XMLParserDelegate {
        var stack: [S3XMLElement] = []
        var root: S3XMLElement?

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName qName: String?,
            attributes attributeDict: [String: String] = [:]
        ) {
            stack.append(S3XMLElement(name: elementName))
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            guard !stack.isEmpty else { return }
            stack[stack.count - 1].text += string
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
            guard var element = stack.popLast() else { return }
            if !element.children.isEmpty { element.text = "" }
            if stack.isEmpty { root = element } else { stack[stack.count - 1].children.append(element) }
        }
    }
}

/// One page of ListObjectsV2.
struct S3ListPage {
    var objects: [S3Object]
    var nextContinuationToken: String?

    init?(xml data: Data) {
        guard let root = S3XMLElement.parse(data), root.name == "ListBucketResult" else { return nil }
        objects = root.children("Contents").compactMap { contents in
            guard let key = contents.value("Key") else { return nil }
            return S3Object(
                key: key, size: Int64(contents.value("Size") ?? "") ?? 0,
                lastModified: contents.value("LastModified").flatMap(S3Object.parseDate), etag: contents.value("ETag"))
        }
        let truncated = root.value("IsTruncated") == "true"
        nextContinuationToken = truncated ? root.value("NextContinuationToken") : nil
    }
}

/// The `<Error><Code>…<Message>…` body S3 sends with a failure status.
struct S3ErrorBody {
    var code: String?
    var message: String?
    var requestID: String?

    init(xml data: Data) {
        let root = S3XMLElement.parse(data)
        code = root?.value("Code")
        message = root?.value("Message")
        requestID = root?.value("RequestId")
    }
}

public struct S3Object: Sendable, Hashable {
    public var key: String
    public var size: Int64
    public var lastModified: Date?
    public var etag: String?

    static func parseDate(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}
