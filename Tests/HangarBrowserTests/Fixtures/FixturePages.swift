/// The pages the CDP tests drive. Layout is plain and large so relative positions are stable;
/// tests still read element positions from the DOM rather than hard-coding them.
enum FixturePages {
    static let form = """
        <!doctype html><html><head><title>Sign up</title>
        <style>body{font:20px sans-serif;margin:40px} input,select,button{font-size:20px;display:block;margin:16px 0;width:400px;height:40px}</style>
        </head><body>
        <form method="post" action="/submit">
          <input id="name" name="name" placeholder="Name">
          <input id="email" name="email" placeholder="Email">
          <select id="colour" name="colour">
            <option value="red">Red</option><option value="green">Green</option><option value="blue">Deep Blue</option>
          </select>
          <button id="send" type="submit">Send</button>
        </form>
        <script>window.changes = 0; document.getElementById('colour').addEventListener('change', () => window.changes++);</script>
        </body></html>
        """

    static let thanks = """
        <!doctype html><html><head><title>Thanks</title></head><body><h1>Thanks</h1></body></html>
        """

    static let longList: String = {
        let items = (1...300).map { "<li>Item \($0)</li>" }.joined()
        return """
            <!doctype html><html><head><title>Long list</title>
            <style>body{font:20px sans-serif;width:3000px} li{height:40px}</style></head>
            <body><ul>\(items)</ul></body></html>
            """
    }()

    static let tapTarget = """
        <!doctype html><html><head><title>Tap</title><meta name="viewport" content="width=device-width">
        <style>button{position:absolute;left:0;top:0;width:100%;height:50%;font-size:30px}</style></head>
        <body><button id="b">Tap me</button>
        <script>window.taps = 0; window.touches = 0;
        document.getElementById('b').addEventListener('click', () => window.taps++);
        document.addEventListener('touchstart', () => window.touches++);</script></body></html>
        """

    static let text = """
        <!doctype html><html><head><title>Text</title><style>p{font:30px monospace;margin:40px}</style></head>
        <body><p id="p">Hello selectable world</p></body></html>
        """
}
