import Testing
import Store

/// ListingFields.date: RFC 5322 §3.3 dates, the obsolete forms of §4.3, and what old
/// software writes. Expected values checked against Python's email.utils.
@Suite struct MessageDateTests {
    static let dates: [(header: String, seconds: Int64?)] = [
        ("Thu, 01 Jan 1970 00:00:00 +0000", 0),
        ("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)", 837_595_405),
        ("Thu, 13 Feb 1969 23:32:54 -0330", -27_723_426),
        ("Fri, 21 Nov 1997 09:55:06 -0600", 880_127_706),
        ("21 Nov 97 09:55:06 GMT", 880_106_106),
        ("1 Jul 03 10:52 EST", 1_057_074_720),
        ("Tue Jul  1 10:52:37 2003", 1_057_056_757),
        ("Wed Sep 02 13:09:16 +0000 2015", 1_441_199_356),
        ("Wed Sep 02 13:09:16 +0200 2015", 1_441_192_156),
        ("Mon, 1 Jan 2024 12:00:00 +0100 (CET)", 1_704_106_800),
        ("Sat, 13 Mar 2010 11:29:05 -0800 (PST)", 1_268_508_545),
        ("Thu, 29 Feb 2024 23:59:59 +1400", 1_709_200_799),
        ("1 Jan 49 00:00:00 +0000", 2_493_072_000),
        ("1 Jan 50 00:00:00 +0000", -631_152_000),
        ("mon, 1 JAN 2024 12:00:00 z", 1_704_110_400),
        ("1 January 2024 12:00:00 +0000", 1_704_110_400),
        ("Mon,1 Jan 2024 12:00:00 +0000", 1_704_110_400),
        ("31 Feb 2024 10:00:00 +0000", nil),
        ("1 Jan 2024 25:00:00 +0000", nil),
        ("yesterday", nil),
        ("", nil),
    ]

    @Test(arguments: dates)
    func date(_ header: String, _ seconds: Int64?) {
        #expect(MessageParser.parse(MIMECorpus.crlf("Date: \(header)\n\n")).fields.date == seconds)
    }
}
