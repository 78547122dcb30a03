import Foundation

/// Real-world-shaped messages for the MIME parser tests. Written with LF for
/// readability; `crlf` gives them the CRLF line ends the store keeps.
enum MIMECorpus {
    static func crlf(_ text: String) -> [UInt8] {
        Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8)
    }

    /// The header of RFC 3501's FETCH example (§6.4.5 / §7.4.2).
    static let simpleText = crlf("""
        Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)
        From: Terry Gray <gray@cac.washington.edu>
        Subject: IMAP4rev1 WG mtg summary and minutes
        To: imap@cac.washington.edu
        cc: minutes@CNRI.Reston.VA.US,
         John Klensin <KLENSIN@MIT.EDU>
        Message-Id: <B27397-0100000@cac.washington.edu>
        MIME-Version: 1.0
        Content-Type: TEXT/PLAIN; CHARSET=US-ASCII

        Minutes of the IMAP4rev1 working group meeting.
        Attendees: see below.

        """)

    static let noContentType = crlf("""
        From: root@localhost
        To: admin@localhost
        Subject: Cron <root@host> run-parts /etc/cron.daily
        Date: Mon, 3 Feb 2025 06:25:01 +0100

        /etc/cron.daily/logrotate:
        error: skipping "/var/log/syslog"
        """)

    static let mixedWithAttachment = crlf("""
        Date: Thu, 12 Dec 2024 09:14:03 +0000
        From: "Smith, Anna" <anna.smith@example.com>
        To: Bob Jones <bob@example.org>
        Subject: Invoice 2024-117
        Message-ID: <inv-2024-117@example.com>
        MIME-Version: 1.0
        Content-Type: multipart/mixed;
         boundary="----=_Part_4711_1.1734000000"

        This is a multi-part message in MIME format.
        ------=_Part_4711_1.1734000000
        Content-Type: text/plain; charset=UTF-8
        Content-Transfer-Encoding: 7bit

        Hi Bob,
        please find the invoice attached.
        Anna
        ------=_Part_4711_1.1734000000
        Content-Type: application/pdf; name="invoice 117.pdf"
        Content-Transfer-Encoding: base64
        Content-ID: <part2.inv117@example.com>
        Content-Description: Invoice
        Content-Disposition: attachment; filename="invoice 117.pdf"; size=70

        JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFI+PgpzdHJlYW0K
        eJwr5HIK4TI2UzA0sFAwMDFQCEnj0nXNyclMzkxNTNFRCM3LLSlKTXTQ
        ------=_Part_4711_1.1734000000--

        """)

    static let alternativeQuotedPrintable = crlf("""
        From: Newsletter <news@shop.example>
        To: customer@example.net
        Subject: Your weekly deals
        Date: Fri, 10 Jan 2025 17:00:00 -0500
        Message-ID: <weekly.20250110@shop.example>
        MIME-Version: 1.0
        Content-Type: multipart/alternative; boundary="alt-7f3a"

        --alt-7f3a
        Content-Type: text/plain; charset="utf-8"
        Content-Transfer-Encoding: quoted-printable

        Deals of the week =E2=80=93 up to 50% off.
        See https://shop.example/deals
        --alt-7f3a
        Content-Type: text/html; charset="utf-8"
        Content-Transfer-Encoding: quoted-printable

        <html><body><p>Deals of the week =E2=80=93 up to 50% off.</p>=
        <a href=3D"https://shop.example/deals">See deals</a></body></html>
        --alt-7f3a--
        """)

    static let relatedInsideAlternative = crlf("""
        From: Carol <carol@example.org>
        To: dave@example.net
        Subject: Photo of the new office
        Date: Sat, 11 Jan 2025 08:30:00 +0100
        MIME-Version: 1.0
        Content-Type: multipart/alternative; boundary="outer"

        --outer
        Content-Type: text/plain; charset=us-ascii

        Here is the office.
        --outer
        Content-Type: multipart/related; boundary="inner"; type="text/html"

        --inner
        Content-Type: text/html; charset=us-ascii

        <p>Here is the office.</p><img src="cid:office@example.org">
        --inner
        Content-Type: image/png
        Content-Transfer-Encoding: base64
        Content-ID: <office@example.org>
        Content-Disposition: inline
        Content-Location: office.png
        Content-Language: en, de

        iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGA
        --inner--

        --outer--

        """)

    /// A forwarded message: its part 2 is message/rfc822 holding a multipart.
    static let forwardedMessage = crlf("""
        From: Erin <erin@example.com>
        To: frank@example.net
        Subject: Fwd: Meeting notes
        Date: Sun, 12 Jan 2025 20:00:00 +0000
        MIME-Version: 1.0
        Content-Type: multipart/mixed; boundary="fwd"

        --fwd
        Content-Type: text/plain

        See below.
        --fwd
        Content-Type: message/rfc822
        Content-Description: Forwarded message

        From: Grace <grace@example.org>
        To: erin@example.com
        Subject: Meeting notes
        Date: Fri, 10 Jan 2025 16:45:00 +0000
        Message-ID: <notes-1@example.org>
        In-Reply-To: <agenda-1@example.com>
        MIME-Version: 1.0
        Content-Type: multipart/alternative; boundary="notes"

        --notes
        Content-Type: text/plain

        1. Budget
        2. Hiring
        --notes
        Content-Type: text/html

        <ol><li>Budget</li><li>Hiring</li></ol>
        --notes--

        --fwd--

        """)

    /// RFC 2046 §5.1.5: parts of a digest default to message/rfc822.
    static let digest = crlf("""
        From: list-request@lists.example
        To: list@lists.example
        Subject: Example Digest, Vol 3, Issue 7
        MIME-Version: 1.0
        Content-Type: multipart/digest; boundary="digest-sep"

        --digest-sep
        Content-Type: text/plain

        Today's topics: 1. Hello
        --digest-sep

        From: Heidi <heidi@example.com>
        Subject: Hello

        Hello list.
        --digest-sep--

        """)

    static let encodedWords = crlf("""
        From: =?UTF-8?B?SsO8cmdlbiBNw7xsbGVy?= <juergen@example.de>
        To: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <yamada@example.jp>
        Subject: =?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?=
         =?UTF-8?Q?und_Gr=C3=BC=C3=9Fe?=
        Date: Mon, 13 Jan 2025 09:00:00 +0900
        MIME-Version: 1.0
        Content-Type: text/plain; charset=ISO-2022-JP
        Content-Transfer-Encoding: 7bit

        body
        """)

    static let groups = crlf("""
        From: Ivan <ivan@example.com>
        To: undisclosed-recipients:;
        Cc: Team: Judy <judy@example.com>, kim@example.com;, lee@example.com
        Reply-To: <@relay.example,@gw.example:replies@example.com>
        Sender: mallory (Mallory the Sender)
        Subject: Groups

        text
        """)

    static let missingBoundary = crlf("""
        From: broken@example.com
        Subject: no boundary
        Content-Type: multipart/mixed

        --whatever
        Content-Type: text/plain

        text
        --whatever--
        """)

    static let missingCloseDelimiter = crlf("""
        From: truncated@example.com
        Subject: cut off
        Content-Type: multipart/mixed; boundary=b1

        --b1
        Content-Type: text/plain

        first
        --b1
        Content-Type: application/octet-stream
        Content-Transfer-Encoding: base64

        AAEC
        AwQF
        """)

    static let noSeparator = crlf("""
        From: nobody@example.com
        Subject: header only
        X-Note: there is no empty line
        """)

    static let nulBytes = crlf("From: nul@example.com\nSubject: a\u{0}b\n\nbody\u{0}with nul\n")

    /// UTF-8 in the subject, a Latin-1 byte (not UTF-8) in the display name.
    static let eightBitHeader: [UInt8] =
        crlf("Subject: Grüße aus Köln\nFrom: ") + [0x4A, 0xF6, 0x72, 0x67] + crlf(" <jorg@example.de>\n\nHallo\n")

    static let bareLineFeeds = Array("""
        From: unix@example.com
        Subject: bare LF
        Content-Type: multipart/mixed; boundary=lf

        --lf
        Content-Type: text/plain

        one
        two
        --lf
        Content-Type: text/x-log

        three
        --lf--

        """.utf8)

    /// The message shape of RFC 3501 §6.4.5's section example.
    static let sectionExample = crlf("""
        From: sections@example.com
        Subject: section example
        MIME-Version: 1.0
        Content-Type: MULTIPART/MIXED; boundary="top"

        --top
        Content-Type: TEXT/PLAIN

        part 1
        --top
        Content-Type: APPLICATION/OCTET-STREAM
        Content-Transfer-Encoding: BASE64

        cGFydCAy
        --top
        Content-Type: MESSAGE/RFC822

        Subject: part 3
        Content-Type: MULTIPART/MIXED; boundary="m3"

        --m3
        Content-Type: TEXT/PLAIN

        part 3.1
        --m3
        Content-Type: APPLICATION/OCTET-STREAM

        part 3.2
        --m3--
        --top
        Content-Type: MULTIPART/MIXED; boundary="p4"

        --p4
        Content-Type: IMAGE/GIF
        Content-Transfer-Encoding: base64

        R0lGODlh
        --p4
        Content-Type: MESSAGE/RFC822

        Subject: part 4.2
        Content-Type: MULTIPART/MIXED; boundary="m42"

        --m42
        Content-Type: TEXT/PLAIN

        part 4.2.1
        --m42
        Content-Type: MULTIPART/ALTERNATIVE; boundary="a422"

        --a422
        Content-Type: TEXT/PLAIN

        part 4.2.2.1
        --a422
        Content-Type: TEXT/RICHTEXT

        part 4.2.2.2
        --a422--
        --m42--
        --p4--
        --top--
        """)

    static let all: [(name: String, message: [UInt8])] = [
        ("simpleText", simpleText), ("noContentType", noContentType), ("mixedWithAttachment", mixedWithAttachment),
        ("alternativeQuotedPrintable", alternativeQuotedPrintable), ("relatedInsideAlternative", relatedInsideAlternative),
        ("forwardedMessage", forwardedMessage), ("digest", digest), ("encodedWords", encodedWords), ("groups", groups),
        ("missingBoundary", missingBoundary), ("missingCloseDelimiter", missingCloseDelimiter),
        ("noSeparator", noSeparator), ("nulBytes", nulBytes), ("eightBitHeader", eightBitHeader),
        ("bareLineFeeds", bareLineFeeds), ("sectionExample", sectionExample),
    ]
}
