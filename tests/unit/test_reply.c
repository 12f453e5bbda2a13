/*
 * test_reply.c - the SMTP reply parser on real-looking reply shapes from
 * Postfix, Exim, Sendmail, qmail, Courier, Exchange and the big mailbox
 * providers, and on hostile input (overlong, NUL bytes, invalid UTF-8,
 * 10 MB, input cut in the middle of a code).
 *
 * Every input is parsed from a malloc'd buffer of exactly its length, with
 * no NUL after it, so that AddressSanitizer catches any read past the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bouncekit.h"

/* one expected parse: "" / 0 fields mean "must be empty / absent" */
typedef struct {
    const char *input;
    int reply;              /* expected reply code, 0 = none */
    const char *status;     /* expected enhanced code, "" = none */
    bk_command command;
    const char *host;       /* expected host name, "" = none */
    const char *address;    /* expected address, "" = none */
    const char *text;       /* expected free text exactly, NULL = not checked */
    int bad_reply;          /* expected bad_reply_code, 0 = none */
    const char *bad_status; /* expected bad_status, "" = none */
} shape;

static const shape SHAPES[] = {
    /* ---- Postfix smtp(8) / lmtp(8): "host X[IP] said: ... (in reply to ...)" ---- */

    /* Postfix smtp(8) with a flattened Gmail multi-line reply */
    {"host gmail-smtp-in.l.google.com[142.250.1.26] said: 550-5.1.1 The email account that "
     "you tried to reach does not exist. Please try 550-5.1.1 double-checking the recipient's "
     "email address for typos or 550-5.1.1 unnecessary spaces. (in reply to RCPT TO command)",
     550, "5.1.1", BK_CMD_RCPT, "gmail-smtp-in.l.google.com", "142.250.1.26",
     "The email account that you tried to reach does not exist. Please try double-checking the "
     "recipient's email address for typos or unnecessary spaces.", 0, ""},
    {"host mx.example.com[192.0.2.10] said: 550 5.1.1 <bob@example.com>: Recipient address "
     "rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)",
     550, "5.1.1", BK_CMD_RCPT, "mx.example.com", "192.0.2.10",
     "<bob@example.com>: Recipient address rejected: User unknown in virtual mailbox table", 0,
     ""},
    {"host mx.example.com[192.0.2.10] said: 554 5.7.1 <unknown[198.51.100.7]>: Client host "
     "rejected: Access denied (in reply to MAIL FROM command)",
     554, "5.7.1", BK_CMD_MAIL, "mx.example.com", "192.0.2.10",
     "<unknown[198.51.100.7]>: Client host rejected: Access denied", 0, ""},
    {"host mx.example.net[203.0.113.5] said: 552 5.3.4 Message size exceeds fixed limit (in "
     "reply to end of DATA command)",
     552, "5.3.4", BK_CMD_DATA, "mx.example.net", "203.0.113.5",
     "Message size exceeds fixed limit", 0, ""},
    {"host mx.example.net[203.0.113.5] said: 554 5.5.1 Error: no valid recipients (in reply to "
     "DATA command)",
     554, "5.5.1", BK_CMD_DATA, "mx.example.net", "203.0.113.5", "Error: no valid recipients", 0,
     ""},
    {"host mx.example.org[198.51.100.20] said: 501 5.5.2 <localhost>: Helo command rejected: "
     "need fully-qualified hostname (in reply to HELO command)",
     501, "5.5.2", BK_CMD_HELO, "mx.example.org", "198.51.100.20",
     "<localhost>: Helo command rejected: need fully-qualified hostname", 0, ""},
    {"host mx.example.org[198.51.100.20] said: 550 5.7.1 Client host rejected: cannot find your "
     "reverse hostname, [203.0.113.99] (in reply to EHLO command)",
     550, "5.7.1", BK_CMD_EHLO, "mx.example.org", "198.51.100.20",
     "Client host rejected: cannot find your reverse hostname, [203.0.113.99]", 0, ""},
    {"host mx.example.org[198.51.100.20] said: 454 4.7.0 TLS not available due to local "
     "problem (in reply to STARTTLS command)",
     454, "4.7.0", BK_CMD_STARTTLS, "mx.example.org", "198.51.100.20",
     "TLS not available due to local problem", 0, ""},
    {"host mx.example.com[192.0.2.10] refused to talk to me: 554 5.7.1 Service unavailable; "
     "Client host [198.51.100.7] blocked using zen.spamhaus.org",
     554, "5.7.1", BK_CMD_CONNECT, "mx.example.com", "192.0.2.10",
     "Service unavailable; Client host [198.51.100.7] blocked using zen.spamhaus.org", 0, ""},
    {"host mx.example.com[192.0.2.10] refused to talk to me: 421 mx.example.com Too many "
     "concurrent SMTP connections; please try again later",
     421, "", BK_CMD_CONNECT, "mx.example.com", "192.0.2.10",
     "mx.example.com Too many concurrent SMTP connections; please try again later", 0, ""},
    /* connection failures: no code, the port is no code either */
    {"connect to mx.example.com[192.0.2.10]:25: Connection refused", 0, "", BK_CMD_CONNECT,
     "mx.example.com", "192.0.2.10", "connect to mx.example.com[192.0.2.10]:25: Connection refused",
     0, ""},
    {"connect to mx.example.com[2001:db8::25]:25: Network is unreachable", 0, "", BK_CMD_CONNECT,
     "mx.example.com", "2001:db8::25",
     "connect to mx.example.com[2001:db8::25]:25: Network is unreachable", 0, ""},
    /* an IPv6 group that reads like a reply code is part of the address */
    {"connect to mx.example.com[2001:db8::550]:25: Connection timed out", 0, "", BK_CMD_CONNECT,
     "mx.example.com", "2001:db8::550",
     "connect to mx.example.com[2001:db8::550]:25: Connection timed out", 0, ""},
    {"lost connection with mx.example.com[192.0.2.10] while receiving the initial server "
     "greeting",
     0, "", BK_CMD_CONNECT, "mx.example.com", "192.0.2.10",
     "lost connection with mx.example.com[192.0.2.10] while receiving the initial server "
     "greeting", 0, ""},
    {"conversation with mx.example.com[192.0.2.10] timed out while sending end of data -- "
     "message may be sent more than once",
     0, "", BK_CMD_DATA, "mx.example.com", "192.0.2.10",
     "conversation with mx.example.com[192.0.2.10] timed out while sending end of data -- "
     "message may be sent more than once", 0, ""},
    {"lost connection with mx.example.com[192.0.2.10] while sending RCPT TO", 0, "", BK_CMD_RCPT,
     "mx.example.com", "192.0.2.10",
     "lost connection with mx.example.com[192.0.2.10] while sending RCPT TO", 0, ""},
    {"lost connection with mx.example.com[192.0.2.10] while performing the EHLO handshake", 0,
     "", BK_CMD_EHLO, "mx.example.com", "192.0.2.10",
     "lost connection with mx.example.com[192.0.2.10] while performing the EHLO handshake", 0,
     ""},
    {"SMTP error from remote server after RCPT command: host mx1.example.com[192.0.2.88]: 550 "
     "Requested action not taken: mailbox unavailable",
     550, "", BK_CMD_RCPT, "mx1.example.com", "192.0.2.88", NULL, 0, ""},
    {"conversation with mx.example.com[192.0.2.10] timed out while sending message body", 0, "",
     BK_CMD_DATA, "mx.example.com", "192.0.2.10",
     "conversation with mx.example.com[192.0.2.10] timed out while sending message body", 0, ""},
    /* deferrals */
    {"host mail.example.com[192.0.2.33] said: 451 4.3.0 Temporary lookup failure (in reply to "
     "RCPT TO command)",
     451, "4.3.0", BK_CMD_RCPT, "mail.example.com", "192.0.2.33", "Temporary lookup failure", 0,
     ""},
    {"host mail.example.com[192.0.2.33] said: 450 4.2.0 <carol@example.com>: Recipient address "
     "rejected: Greylisted, see http://postgrey.example.org/help/example.com.html (in reply to "
     "RCPT TO command)",
     450, "4.2.0", BK_CMD_RCPT, "mail.example.com", "192.0.2.33",
     "<carol@example.com>: Recipient address rejected: Greylisted, see "
     "http://postgrey.example.org/help/example.com.html", 0, ""},
    {"host mail.example.com[192.0.2.33] said: 452 4.5.3 Error: too many recipients (in reply to "
     "RCPT TO command)",
     452, "4.5.3", BK_CMD_RCPT, "mail.example.com", "192.0.2.33", "Error: too many recipients",
     0, ""},
    {"host mail.example.com[192.0.2.33] said: 421 4.4.2 mail.example.com Error: timeout "
     "exceeded (in reply to end of DATA command)",
     421, "4.4.2", BK_CMD_DATA, "mail.example.com", "192.0.2.33",
     "mail.example.com Error: timeout exceeded", 0, ""},
    /* success */
    {"host mail.example.com[192.0.2.33] said: 250 2.0.0 Ok: queued as 4Q1x2y3z4 (in reply to "
     "end of DATA command)",
     250, "2.0.0", BK_CMD_DATA, "mail.example.com", "192.0.2.33", "Ok: queued as 4Q1x2y3z4", 0,
     ""},
    /* lmtp(8), with parentheses of its own in the text */
    {"host lmtp.example.com[192.0.2.40] said: 552 5.2.2 <dave@example.com> Quota exceeded "
     "(mailbox for user is full) (in reply to end of DATA command)",
     552, "5.2.2", BK_CMD_DATA, "lmtp.example.com", "192.0.2.40",
     "<dave@example.com> Quota exceeded (mailbox for user is full)", 0, ""},
    {"host 127.0.0.1[127.0.0.1] said: 451 4.3.0 Error: queue file write error (in reply to end "
     "of DATA command)",
     451, "4.3.0", BK_CMD_DATA, "", "127.0.0.1", "Error: queue file write error", 0, ""},
    {"host unknown[192.0.2.61] said: 550 5.7.1 Relaying denied (in reply to RCPT TO command)",
     550, "5.7.1", BK_CMD_RCPT, "", "192.0.2.61", "Relaying denied", 0, ""},
    {"host mx.example.com[2001:db8::1] said: 550 5.1.1 User unknown (in reply to RCPT TO "
     "command)",
     550, "5.1.1", BK_CMD_RCPT, "mx.example.com", "2001:db8::1", "User unknown", 0, ""},
    {"host mx.example.com[IPv6:2001:db8::550] said: 550 5.7.1 Message rejected (in reply to end "
     "of DATA command)",
     550, "5.7.1", BK_CMD_DATA, "mx.example.com", "2001:db8::550", "Message rejected", 0, ""},
    /* a whole Postfix log line, its status=bounced (...) wrapper left out */
    {"postfix/smtp[12345]: 4Q1x2y3z4: to=<m@example.com>, relay=mx.example.com[192.0.2.10]:25, "
     "delay=1.2, delays=0.1/0/0.5/0.6, dsn=5.1.1, status=bounced (host mx.example.com"
     "[192.0.2.10] said: 550 5.1.1 User unknown (in reply to RCPT TO command))",
     550, "5.1.1", BK_CMD_RCPT, "mx.example.com", "192.0.2.10", "User unknown", 0, ""},
    {"status=bounced (host mx.example.com[192.0.2.10] said: 550 5.1.1 <m@example.com>: "
     "Recipient address rejected: User unknown (in reply to RCPT TO command))",
     550, "5.1.1", BK_CMD_RCPT, "mx.example.com", "192.0.2.10",
     "<m@example.com>: Recipient address rejected: User unknown", 0, ""},

    /* ---- Postfix local(8) / virtual(8): no code in the text ---- */
    {"unknown user: \"erin\"", 0, "", BK_CMD_NONE, "", "", "unknown user: \"erin\"", 0, ""},
    {"mail for example.com loops back to myself", 0, "", BK_CMD_NONE, "", "",
     "mail for example.com loops back to myself", 0, ""},
    {"mail forwarding loop for frank@example.com", 0, "", BK_CMD_NONE, "", "",
     "mail forwarding loop for frank@example.com", 0, ""},
    {"cannot update mailbox /var/mail/grace for user grace. error writing message: File too "
     "large",
     0, "", BK_CMD_NONE, "", "",
     "cannot update mailbox /var/mail/grace for user grace. error writing message: File too "
     "large", 0, ""},

    /* ---- DSN Diagnostic-Code ---- */
    {"smtp; 550 5.1.1 <jane@example.com>... User unknown", 550, "5.1.1", BK_CMD_NONE, "", "",
     "<jane@example.com>... User unknown", 0, ""},
    {"Diagnostic-Code: smtp; 550 5.1.1 <w@example.com>: Recipient address rejected: User "
     "unknown",
     550, "5.1.1", BK_CMD_NONE, "", "", "<w@example.com>: Recipient address rejected: User unknown",
     0, ""},
    {"smtp;550 5.1.1 User unknown", 550, "5.1.1", BK_CMD_NONE, "", "", "User unknown", 0, ""},
    /* x-unix: the exit status of a local delivery program, not a reply code */
    {"X-Unix; 255", 0, "", BK_CMD_NONE, "", "", "255", 0, ""},
    {"x-unix; 75 temporary failure", 0, "", BK_CMD_NONE, "", "", "75 temporary failure", 0, ""},
    {"X-Postfix; unknown user: \"heidi\"", 0, "", BK_CMD_NONE, "", "", "unknown user: \"heidi\"",
     0, ""},
    {"X-Postfix; host mx.example.com[192.0.2.10] said: 550 5.1.1 User unknown (in reply to RCPT "
     "TO command)",
     550, "5.1.1", BK_CMD_RCPT, "mx.example.com", "192.0.2.10", "User unknown", 0, ""},
    {"Diagnostic-Code: X-Postfix; delivery temporarily suspended: connect to mx.example.com"
     "[192.0.2.10]:25: Connection timed out",
     0, "", BK_CMD_CONNECT, "mx.example.com", "192.0.2.10",
     "delivery temporarily suspended: connect to mx.example.com[192.0.2.10]:25: Connection timed "
     "out", 0, ""},
    {"Remote-MTA: dns; mx.example.com\nDiagnostic-Code: smtp; 550 5.1.1 User unknown", 550,
     "5.1.1", BK_CMD_NONE, "mx.example.com", "", "User unknown", 0, ""},
    {"Action: failed\nStatus: 5.1.1\nRemote-MTA: dns; mx.example.com\nDiagnostic-Code: smtp; "
     "550 5.1.1 <x@example.com>: User unknown",
     550, "5.1.1", BK_CMD_NONE, "mx.example.com", "", "<x@example.com>: User unknown", 0, ""},
    {"Action: delayed\nStatus: 4.4.1\nDiagnostic-Code: X-Postfix; connect to mx.example.com"
     "[192.0.2.10]:25: Connection refused",
     0, "4.4.1", BK_CMD_CONNECT, "mx.example.com", "192.0.2.10",
     "connect to mx.example.com[192.0.2.10]:25: Connection refused", 0, ""},
    {"Reporting-MTA: dns; mail.example.net\nFinal-Recipient: rfc822; x@example.com\nAction: "
     "failed\nStatus: 5.0.0",
     0, "5.0.0", BK_CMD_NONE, "", "", "", 0, ""},

    /* ---- multi-line replies, as lines and flattened ---- */
    {"host mx.example.com[192.0.2.10] said: 550-5.1.1 <v@example.com> User unknown\n550 5.1.1 "
     "Please check the address (in reply to RCPT TO command)",
     550, "5.1.1", BK_CMD_RCPT, "mx.example.com", "192.0.2.10",
     "<v@example.com> User unknown Please check the address", 0, ""},
    {"550-5.1.1 first line\r\n550-5.1.1 second line\r\n550 5.1.1 last line", 550, "5.1.1",
     BK_CMD_NONE, "", "", "first line second line last line", 0, ""},
    {"550-Verification failed for <s@example.net>\n550-Unrouteable address\n550 Sender verify "
     "failed",
     550, "", BK_CMD_NONE, "", "",
     "Verification failed for <s@example.net> Unrouteable address Sender verify failed", 0, ""},

    /* ---- Gmail ---- */
    {"550-5.1.1 The email account that you tried to reach does not exist. Please try\n"
     "550-5.1.1 double-checking the recipient's email address for typos or\n"
     "550-5.1.1 unnecessary spaces. Learn more at\n"
     "550 5.1.1  https://support.google.com/mail/?p=NoSuchUser a1si2345678wrx.123 - gsmtp",
     550, "5.1.1", BK_CMD_NONE, "", "",
     "The email account that you tried to reach does not exist. Please try double-checking the "
     "recipient's email address for typos or unnecessary spaces. Learn more at "
     "https://support.google.com/mail/?p=NoSuchUser a1si2345678wrx.123 - gsmtp", 0, ""},
    {"421-4.7.0 [192.0.2.44      15] Our system has detected an unusual rate of\n"
     "421-4.7.0 unsolicited mail originating from your IP address. To protect our\n"
     "421-4.7.0 users from spam, mail sent from your IP address has been temporarily\n"
     "421-4.7.0 rate limited. Please visit\n"
     "421 4.7.0  https://support.google.com/mail/?p=UnsolicitedRateLimitError a1si123 - gsmtp",
     421, "4.7.0", BK_CMD_NONE, "", "",
     "[192.0.2.44 15] Our system has detected an unusual rate of unsolicited mail originating "
     "from your IP address. To protect our users from spam, mail sent from your IP address has "
     "been temporarily rate limited. Please visit "
     "https://support.google.com/mail/?p=UnsolicitedRateLimitError a1si123 - gsmtp", 0, ""},
    {"host gmail-smtp-in.l.google.com[192.0.2.26] said: 452-4.2.2 The email account that you "
     "tried to reach is over quota. Please direct 452 4.2.2 the recipient to "
     "https://support.google.com/mail/?p=OverQuotaTemp x1si99 - gsmtp (in reply to RCPT TO "
     "command)",
     452, "4.2.2", BK_CMD_RCPT, "gmail-smtp-in.l.google.com", "192.0.2.26",
     "The email account that you tried to reach is over quota. Please direct the recipient to "
     "https://support.google.com/mail/?p=OverQuotaTemp x1si99 - gsmtp", 0, ""},
    {"550-5.7.26 This mail is unauthenticated, which poses a security risk to the sender and "
     "Gmail users, and has been blocked. The sender must authenticate with at least one of SPF "
     "or DKIM. For this message, DKIM checks did not pass and SPF check for [example.com] did "
     "not pass with ip: [192.0.2.88]. 550 5.7.26 To learn more "
     "https://support.google.com/mail/answer/81126#authentication b2-20020a170906 - gsmtp",
     550, "5.7.26", BK_CMD_NONE, "", "",
     "This mail is unauthenticated, which poses a security risk to the sender and Gmail users, "
     "and has been blocked. The sender must authenticate with at least one of SPF or DKIM. For "
     "this message, DKIM checks did not pass and SPF check for [example.com] did not pass with "
     "ip: [192.0.2.88]. To learn more "
     "https://support.google.com/mail/answer/81126#authentication b2-20020a170906 - gsmtp", 0,
     ""},
    {"host gmail-smtp-in.l.google.com[2001:db8::1a] said: 550-5.7.1 [2001:db8::25] Our system "
     "has detected that this message is likely unsolicited mail. 550 5.7.1 "
     "https://support.google.com/mail/?p=UnsolicitedMessageError z9si111 - gsmtp (in reply to "
     "end of DATA command)",
     550, "5.7.1", BK_CMD_DATA, "gmail-smtp-in.l.google.com", "2001:db8::1a",
     "[2001:db8::25] Our system has detected that this message is likely unsolicited mail. "
     "https://support.google.com/mail/?p=UnsolicitedMessageError z9si111 - gsmtp", 0, ""},

    /* ---- Microsoft 365 / Exchange Online / Outlook.com ---- */
    {"host example-com.mail.protection.outlook.com[192.0.2.5] said: 550 5.1.10 "
     "RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup (in reply to "
     "RCPT TO command)",
     550, "5.1.10", BK_CMD_RCPT, "example-com.mail.protection.outlook.com", "192.0.2.5",
     "RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup", 0, ""},
    {"smtp; 550 5.4.1 Recipient address rejected: Access denied. AS(201806281) "
     "[DB5PEPF00014B8F.eurprd02.prod.protection.outlook.com 2024-05-01T10:11:12.345Z "
     "08DC69A1B2C3D4E5]",
     550, "5.4.1", BK_CMD_NONE, "", "",
     "Recipient address rejected: Access denied. AS(201806281) "
     "[DB5PEPF00014B8F.eurprd02.prod.protection.outlook.com 2024-05-01T10:11:12.345Z "
     "08DC69A1B2C3D4E5]", 0, ""},
    {"550 5.7.708 Service unavailable. Access denied, traffic not accepted from this IP. For "
     "more information please go to http://go.microsoft.com/fwlink/?LinkId=526653 AS(7230) "
     "[AM4PEPF00025F9A.EURPRD83.prod.outlook.com]",
     550, "5.7.708", BK_CMD_NONE, "", "",
     "Service unavailable. Access denied, traffic not accepted from this IP. For more "
     "information please go to http://go.microsoft.com/fwlink/?LinkId=526653 AS(7230) "
     "[AM4PEPF00025F9A.EURPRD83.prod.outlook.com]", 0, ""},
    {"5.7.708 Service unavailable", 0, "5.7.708", BK_CMD_NONE, "", "", "Service unavailable", 0,
     ""},
    /* Exchange NDR bodies: the reply in quotes, or between '#' and "##" */
    {"Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'", 550, "5.1.1",
     BK_CMD_NONE, "", "", "RESOLVER.ADR.RecipNotFound; not found", 0, ""},
    {"Remote Server returned '554 5.4.4 SMTPSEND.DNS.NonExistentDomain; nonexistent domain'",
     554, "5.4.4", BK_CMD_NONE, "", "", "SMTPSEND.DNS.NonExistentDomain; nonexistent domain", 0,
     ""},
    {"#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##", 550, "5.1.1", BK_CMD_NONE, "", "",
     "RESOLVER.ADR.RecipNotFound; not found", 0, ""},
    {"Remote Server returned '550 4.4.7 QUEUE.Expired; message expired'", 550, "4.4.7",
     BK_CMD_NONE, "", "", "QUEUE.Expired; message expired", 0, ""},
    {"550 5.7.1 Unfortunately, messages from [192.0.2.7] weren't sent. Please contact your "
     "Internet service provider since part of their network is on our block list (S3150).",
     550, "5.7.1", BK_CMD_NONE, "", "",
     "Unfortunately, messages from [192.0.2.7] weren't sent. Please contact your Internet "
     "service provider since part of their network is on our block list (S3150).", 0, ""},

    /* ---- Yahoo / AOL ---- */
    {"host mta7.am0.yahoodns.net[192.0.2.72] said: 421 4.7.0 [TSS04] Messages from 192.0.2.1 "
     "temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see "
     "https://postmaster.yahooinc.com/error-codes (in reply to MAIL FROM command)",
     421, "4.7.0", BK_CMD_MAIL, "mta7.am0.yahoodns.net", "192.0.2.72",
     "[TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user "
     "complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes", 0, ""},
    {"smtp; 554 5.7.9 Message not accepted for policy reasons.  See "
     "https://postmaster.yahooinc.com/error-codes",
     554, "5.7.9", BK_CMD_NONE, "", "",
     "Message not accepted for policy reasons. See https://postmaster.yahooinc.com/error-codes",
     0, ""},
    {"554 delivery error: dd This user doesn't have a yahoo.com account (x@yahoo.com) [0] - "
     "mta1234.mail.gq1.yahoo.com",
     554, "", BK_CMD_NONE, "", "",
     "delivery error: dd This user doesn't have a yahoo.com account (x@yahoo.com) [0] - "
     "mta1234.mail.gq1.yahoo.com", 0, ""},

    /* ---- Apple iCloud ---- */
    {"host mx01.mail.icloud.com[192.0.2.152] said: 550 5.7.0 Blocked - see "
     "https://support.apple.com/en-us/HT204137 (in reply to MAIL FROM command)",
     550, "5.7.0", BK_CMD_MAIL, "mx01.mail.icloud.com", "192.0.2.152",
     "Blocked - see https://support.apple.com/en-us/HT204137", 0, ""},
    {"host mx02.mail.icloud.com[192.0.2.153] said: 552 5.2.2 <ivan@icloud.com>: user is over "
     "quota (in reply to RCPT TO command)",
     552, "5.2.2", BK_CMD_RCPT, "mx02.mail.icloud.com", "192.0.2.153",
     "<ivan@icloud.com>: user is over quota", 0, ""},

    /* ---- Exim ---- */
    {"SMTP error from remote mail server after RCPT TO:<a@example.com>: host mx.example.com "
     "[192.0.2.1]: 550 5.1.1 <a@example.com>: Recipient address rejected: User unknown",
     550, "5.1.1", BK_CMD_RCPT, "mx.example.com", "192.0.2.1",
     "<a@example.com>: Recipient address rejected: User unknown", 0, ""},
    {"SMTP error from remote mail server after end of data: host mx.example.com [192.0.2.1]: "
     "554 5.7.1 Message rejected due to content restrictions",
     554, "5.7.1", BK_CMD_DATA, "mx.example.com", "192.0.2.1",
     "Message rejected due to content restrictions", 0, ""},
    {"SMTP error from remote mail server after pipelined RCPT TO:<b@example.com>: host "
     "mx.example.com [192.0.2.1]: 450 4.1.8 <sender@example.net>: Sender address rejected: "
     "Domain not found",
     450, "4.1.8", BK_CMD_RCPT, "mx.example.com", "192.0.2.1",
     "<sender@example.net>: Sender address rejected: Domain not found", 0, ""},
    {"SMTP error from remote mail server after MAIL FROM:<sender@example.net> SIZE=123456: host "
     "mx.example.com [192.0.2.1]: 552 5.3.4 Message size exceeds fixed maximum message size",
     552, "5.3.4", BK_CMD_MAIL, "mx.example.com", "192.0.2.1",
     "Message size exceeds fixed maximum message size", 0, ""},
    {"SMTP error from remote mail server after initial connection: host mx.example.com "
     "[192.0.2.1]: 554 5.7.1 Connection rejected",
     554, "5.7.1", BK_CMD_CONNECT, "mx.example.com", "192.0.2.1", "Connection rejected", 0, ""},
    /* Exim 4.95 and later */
    {"SMTP error from remote server for RCPT TO command\n  host mx.example.com [192.0.2.1]: 550 "
     "5.1.1 <c@example.com>: Recipient address rejected: User unknown",
     550, "5.1.1", BK_CMD_RCPT, "mx.example.com", "192.0.2.1",
     "<c@example.com>: Recipient address rejected: User unknown", 0, ""},
    {"SMTP error from remote server for end of data command\n  host mx.example.com [192.0.2.1]: "
     "554 5.7.1 Spam message rejected",
     554, "5.7.1", BK_CMD_DATA, "mx.example.com", "192.0.2.1", "Spam message rejected", 0, ""},
    {"host mx.example.com [192.0.2.1]: SMTP error from remote mail server after RCPT "
     "TO:<x@example.com>: 550-Verification failed for <s@example.net>\n550-Unrouteable "
     "address\n550 Sender verify failed",
     550, "", BK_CMD_RCPT, "mx.example.com", "192.0.2.1",
     "Verification failed for <s@example.net> Unrouteable address Sender verify failed", 0, ""},
    /* Exim log lines: the TLS cipher's ":256" is no reply code */
    {"2024-05-01 10:11:12 1s2T3u-000Abc-De ** o@example.com R=dnslookup T=remote_smtp "
     "H=mx.example.com [192.0.2.1] X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=yes: SMTP error from "
     "remote mail server after RCPT TO:<o@example.com>: 550 5.1.1 User unknown",
     550, "5.1.1", BK_CMD_RCPT, "mx.example.com", "192.0.2.1", "User unknown", 0, ""},
    {"2024-05-01 10:11:12 1s2T3u-000Abc-De == p@example.com R=dnslookup T=remote_smtp defer "
     "(-44) H=mx.example.com [192.0.2.1]: SMTP error from remote mail server after RCPT "
     "TO:<p@example.com>: 451 4.7.1 Greylisted",
     451, "4.7.1", BK_CMD_RCPT, "mx.example.com", "192.0.2.1", "Greylisted", 0, ""},
    {"mx.example.com [192.0.2.1]: Connection refused", 0, "", BK_CMD_NONE, "mx.example.com",
     "192.0.2.1", "mx.example.com [192.0.2.1]: Connection refused", 0, ""},
    {"retry timeout exceeded", 0, "", BK_CMD_NONE, "", "", "retry timeout exceeded", 0, ""},
    {"all hosts for 'example.com' have been failing for a long time (and retry time not "
     "reached)",
     0, "", BK_CMD_NONE, "", "",
     "all hosts for 'example.com' have been failing for a long time (and retry time not "
     "reached)", 0, ""},

    /* ---- Sendmail transcripts; the host ends with the root dot ---- */
    {"----- Transcript of session follows -----\n... while talking to mx.example.com.:\n"
     ">>> DATA\n<<< 554 5.7.1 Message rejected\n554 5.0.0 Service unavailable",
     554, "5.7.1", BK_CMD_DATA, "mx.example.com", "", "Message rejected Service unavailable", 0,
     ""},
    {"... while talking to mx.example.com.:\n>>> RCPT To:<judy@example.com>\n<<< 550 5.1.1 "
     "<judy@example.com>... User unknown\n550 5.1.1 judy@example.com... User unknown",
     550, "5.1.1", BK_CMD_RCPT, "mx.example.com", "",
     "<judy@example.com>... User unknown judy@example.com... User unknown", 0, ""},
    {"... while talking to mx.example.com.:\n>>> MAIL From:<s@example.net> SIZE=2048\n<<< 552 "
     "5.3.4 Message size exceeds fixed limit",
     552, "5.3.4", BK_CMD_MAIL, "mx.example.com", "", "Message size exceeds fixed limit", 0, ""},
    /* a transcript with a success before the failure: the failure is what happened */
    {"... while talking to mx.example.com.:\n>>> MAIL From:<s@example.net> SIZE=1234\n<<< 250 "
     "2.1.0 <s@example.net>... Sender ok\n>>> RCPT To:<t@example.com>\n<<< 550 5.1.1 "
     "<t@example.com>... User unknown",
     550, "5.1.1", BK_CMD_RCPT, "mx.example.com", "", "<t@example.com>... User unknown", 0, ""},
    {"... while talking to mx.example.com.:\n>>> RCPT To:<x@example.com>\n<<< 250 2.1.5 "
     "<x@example.com>... Recipient ok\n>>> DATA\n<<< 554 5.7.1 Message rejected as spam",
     554, "5.7.1", BK_CMD_DATA, "mx.example.com", "", "Message rejected as spam", 0, ""},
    {"Deferred: Connection refused by mx.example.com.", 0, "", BK_CMD_NONE, "", "",
     "Deferred: Connection refused by mx.example.com.", 0, ""},
    {"451 4.4.1 reply: read error from mx.example.com.", 451, "4.4.1", BK_CMD_NONE, "", "",
     "reply: read error from mx.example.com.", 0, ""},

    /* ---- qmail ---- */
    {"Sorry, no mailbox here by that name. (#5.1.1)", 0, "5.1.1", BK_CMD_NONE, "", "",
     "Sorry, no mailbox here by that name.", 0, ""},
    {"<k@example.com>:\n192.0.2.10 does not like recipient.\nRemote host said: 550 5.1.1 User "
     "unknown\nGiving up on 192.0.2.10.",
     550, "5.1.1", BK_CMD_RCPT, "", "192.0.2.10", "User unknown Giving up on 192.0.2.10.", 0, ""},
    {"Connected to 192.0.2.10 but sender was rejected.\nRemote host said: 553 5.1.8 sender "
     "domain does not exist",
     553, "5.1.8", BK_CMD_MAIL, "", "192.0.2.10", "sender domain does not exist", 0, ""},
    {"Connected to 192.0.2.10 but connection died. (#4.4.2)", 0, "4.4.2", BK_CMD_NONE, "",
     "192.0.2.10", "Connected to 192.0.2.10 but connection died.", 0, ""},
    {"Sorry, I wasn't able to establish an SMTP connection. (#4.4.1)", 0, "4.4.1", BK_CMD_NONE,
     "", "", "Sorry, I wasn't able to establish an SMTP connection.", 0, ""},
    {"Sorry, I couldn't find any host named example.invalid. (#5.1.2)", 0, "5.1.2", BK_CMD_NONE,
     "", "", "Sorry, I couldn't find any host named example.invalid.", 0, ""},
    {"This message is looping: it already has my Delivered-To line. (#5.4.6)", 0, "5.4.6",
     BK_CMD_NONE, "", "", "This message is looping: it already has my Delivered-To line.", 0,
     ""},
    {"553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)", 553, "5.7.1",
     BK_CMD_NONE, "", "", "sorry, that domain isn't in my list of allowed rcpthosts", 0, ""},
    {"511 sorry, no mailbox here by that name (#5.1.1 - chkuser)", 511, "5.1.1", BK_CMD_NONE, "",
     "", "sorry, no mailbox here by that name (#5.1.1 - chkuser)", 0, ""},

    /* ---- Courier ---- */
    {"<q@example.com>: mx.example.com [192.0.2.1]:\n>>> RCPT TO:<q@example.com>\n<<< 550 5.1.1 "
     "<q@example.com>: Recipient address rejected: User unknown",
     550, "5.1.1", BK_CMD_RCPT, "mx.example.com", "192.0.2.1",
     "<q@example.com>: Recipient address rejected: User unknown", 0, ""},

    /* ---- codes in brackets, one code only ---- */
    {"550 [5.1.1] User unknown", 550, "5.1.1", BK_CMD_NONE, "", "", "User unknown", 0, ""},
    {"Mailbox unavailable [550]", 550, "", BK_CMD_NONE, "", "", "Mailbox unavailable", 0, ""},
    {"550 User unknown", 550, "", BK_CMD_NONE, "", "", "User unknown", 0, ""},
    {"5.2.2 Mailbox full", 0, "5.2.2", BK_CMD_NONE, "", "", "Mailbox full", 0, ""},
    {"Status: 5.1.1", 0, "5.1.1", BK_CMD_NONE, "", "", "", 0, ""},
    /* no code at all */
    {"Connection timed out", 0, "", BK_CMD_NONE, "", "", "Connection timed out", 0, ""},
    {"Mailbox full", 0, "", BK_CMD_NONE, "", "", "Mailbox full", 0, ""},

    /* ---- numbers that are not codes ---- */
    {"Client host [192.0.2.250] blocked using zen.spamhaus.org", 0, "", BK_CMD_NONE, "",
     "192.0.2.250", "Client host [192.0.2.250] blocked using zen.spamhaus.org", 0, ""},
    {"Client host [IPv6:2001:db8::421] blocked using zen.spamhaus.org", 0, "", BK_CMD_NONE, "",
     "2001:db8::421", "Client host [IPv6:2001:db8::421] blocked using zen.spamhaus.org", 0, ""},
    {"Connection to 192.0.2.250:587 refused", 0, "", BK_CMD_NONE, "", "",
     "Connection to 192.0.2.250:587 refused", 0, ""},
    {"Connection to smtp.example.com:465 failed", 0, "", BK_CMD_NONE, "", "",
     "Connection to smtp.example.com:465 failed", 0, ""},
    {"Message size 10485760 bytes exceeds the limit of 5242880 bytes", 0, "", BK_CMD_NONE, "", "",
     "Message size 10485760 bytes exceeds the limit of 5242880 bytes", 0, ""},
    {"Your message of 450 KB was rejected", 0, "", BK_CMD_NONE, "", "",
     "Your message of 450 KB was rejected", 0, ""},
    {"Greylisted, please try again in 450 seconds", 0, "", BK_CMD_NONE, "", "",
     "Greylisted, please try again in 450 seconds", 0, ""},
    {"Postfix 3.7.2 could not deliver the message", 0, "", BK_CMD_NONE, "", "",
     "Postfix 3.7.2 could not deliver the message", 0, ""},
    {"Exim 4.96.1 could not deliver the message", 0, "", BK_CMD_NONE, "", "",
     "Exim 4.96.1 could not deliver the message", 0, ""},
    {"2024-05-01 10:11:12 +0000 delivery to p@example.com failed: 2024-05-01T10:11:12.550Z", 0, "",
     BK_CMD_NONE, "", "",
     "2024-05-01 10:11:12 +0000 delivery to p@example.com failed: 2024-05-01T10:11:12.550Z", 0,
     ""},
    {"Call 555-0100 for help", 0, "", BK_CMD_NONE, "", "", "Call 555-0100 for help", 0, ""},
    {"host mx.example.com[192.0.2.10] said: 552 5.2.2 Mailbox full: 10485760 bytes over quota "
     "(in reply to RCPT TO command)",
     552, "5.2.2", BK_CMD_RCPT, "mx.example.com", "192.0.2.10",
     "Mailbox full: 10485760 bytes over quota", 0, ""},
    {"550 5.1.1 Version 3.5.1 of the client is not supported", 550, "5.1.1", BK_CMD_NONE, "", "",
     "Version 3.5.1 of the client is not supported", 0, ""},

    /* ---- the classes disagree: both kept, the reply code decides ---- */
    {"550 4.2.2 Mailbox full", 550, "4.2.2", BK_CMD_NONE, "", "", "Mailbox full", 0, ""},
    {"host mx.example.com[192.0.2.10] said: 450 5.2.2 <z@example.com>: mailbox full (in reply to "
     "RCPT TO command)",
     450, "5.2.2", BK_CMD_RCPT, "mx.example.com", "192.0.2.10", "<z@example.com>: mailbox full",
     0, ""},

    /* ---- out of range: reported, not used ---- */
    {"999 Something odd", 0, "", BK_CMD_NONE, "", "", "999 Something odd", 999, ""},
    {"550 6.1.1 Bad destination mailbox address", 550, "", BK_CMD_NONE, "", "",
     "Bad destination mailbox address", 0, "6.1.1"},
    {"6.1.1 Bad destination mailbox address", 0, "", BK_CMD_NONE, "", "",
     "6.1.1 Bad destination mailbox address", 0, "6.1.1"},
    {"smtp; 660 Bad code", 0, "", BK_CMD_NONE, "", "", "660 Bad code", 660, ""},
    {"560 5.1.1 User unknown", 0, "5.1.1", BK_CMD_NONE, "", "", "560 User unknown", 560, ""},

    /* ---- success and deferral replies ---- */
    {"250 2.1.5 Ok", 250, "2.1.5", BK_CMD_NONE, "", "", "Ok", 0, ""},
    {"250 OK id=1s2T3u-000Abc-De", 250, "", BK_CMD_NONE, "", "", "OK id=1s2T3u-000Abc-De", 0, ""},
    {"354 End data with <CR><LF>.<CR><LF>", 354, "", BK_CMD_NONE, "", "",
     "End data with <CR><LF>.<CR><LF>", 0, ""},
    {"451 Temporary local problem - please try later", 451, "", BK_CMD_NONE, "", "",
     "Temporary local problem - please try later", 0, ""},
    {"421 mx.example.com Service not available, closing transmission channel", 421, "",
     BK_CMD_NONE, "", "", "mx.example.com Service not available, closing transmission channel", 0,
     ""},
    {"452 4.3.1 Insufficient system storage", 452, "4.3.1", BK_CMD_NONE, "", "",
     "Insufficient system storage", 0, ""},
    {"503 5.5.1 Error: need RCPT command", 503, "5.5.1", BK_CMD_NONE, "", "",
     "Error: need RCPT command", 0, ""},
    {"530 5.7.0 Must issue a STARTTLS command first", 530, "5.7.0", BK_CMD_NONE, "", "",
     "Must issue a STARTTLS command first", 0, ""},
    {"535 5.7.8 Error: authentication failed: authentication failure", 535, "5.7.8", BK_CMD_NONE,
     "", "", "Error: authentication failed: authentication failure", 0, ""},
};

/* utf8_valid - 1 when p[0..len) is valid UTF-8 (no overlongs, no
 * surrogates, nothing above U+10FFFF) */
static int utf8_valid(const char *p, size_t len)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        size_t k;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF)
            k = 2;
        else if (c >= 0xE0 && c <= 0xEF) {
            k = 3;
            if (c == 0xE0)
                lo = 0xA0;
            if (c == 0xED)
                hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            k = 4;
            if (c == 0xF0)
                lo = 0x90;
            if (c == 0xF4)
                hi = 0x8F;
        } else
            return 0;
        if (i + k > len || s[i + 1] < lo || s[i + 1] > hi)
            return 0;
        for (size_t j = 2; j < k; j++)
            if (s[i + j] < 0x80 || s[i + j] > 0xBF)
                return 0;
        i += k;
    }
    return 1;
}

/* expect_span_inside - a span is empty, or points into [buf, buf + len) */
static void expect_span_inside(bk_span sp, const char *buf, size_t len)
{
    if (sp.len == 0)
        return;
    assert_non_null(sp.ptr);
    assert_true(sp.ptr >= buf);
    assert_true(sp.len <= len);
    assert_true((size_t)(sp.ptr - buf) <= len - sp.len);
}

/* expect_sane - what holds for every parse of any input */
static void expect_sane(const bk_reply *r, const char *buf, size_t len, int found)
{
    assert_true(r->text_len < BK_REPLY_TEXT_MAX);
    assert_int_equal(strlen(r->text), r->text_len);
    assert_true(utf8_valid(r->text, r->text_len));
    /* white space collapsed and trimmed */
    assert_null(strstr(r->text, "  "));
    if (r->text_len) {
        assert_true(r->text[0] != ' ');
        assert_true(r->text[r->text_len - 1] != ' ');
    }
    for (size_t i = 0; i < r->text_len; i++)
        assert_true((unsigned char)r->text[i] >= 0x20 && r->text[i] != 0x7f);
    expect_span_inside(r->host, buf, len);
    expect_span_inside(r->address, buf, len);
    assert_true(r->reply_code == 0 || bk_reply_code_valid(r->reply_code));
    assert_true(r->status_class == 0 || r->status_class == 2 || r->status_class == 4 ||
                r->status_class == 5);
    assert_int_equal(r->status[0] != '\0', r->status_class != 0);
    assert_true(strlen(r->status) < BK_STATUS_MAX);
    assert_true(strlen(r->bad_status) < BK_STATUS_MAX);
    assert_true(r->bad_reply_code == 0 || !bk_reply_code_valid(r->bad_reply_code));
    assert_int_equal(found, r->reply_code != 0 || r->status_class != 0);
    /* decided_by, permanence and decision are what bk_decide says */
    bk_decider by;
    bk_permanence perm;
    const char *why = bk_decide(r->reply_code, r->status_class, &by, &perm);
    assert_int_equal(r->decided_by, by);
    assert_int_equal(r->permanence, perm);
    assert_non_null(r->decision);
    assert_string_equal(r->decision, why);
}

/* parse_exact - parse len bytes copied into a malloc'd buffer of exactly
 * that size (no NUL after it), check what always holds, free the copy.
 * Spans in *r point into freed memory afterwards: compare before. */
static int parse_exact(const char *data, size_t len, bk_reply *r, char **keep)
{
    char *buf = malloc(len ? len : 1);
    assert_non_null(buf);
    if (len)
        memcpy(buf, data, len);
    int found = bk_reply_parse(buf, len, r);
    expect_sane(r, buf, len, found);
    if (keep)
        *keep = buf;
    else
        free(buf);
    return found;
}

/* expect_shape - check one shape */
static void expect_shape(const shape *s)
{
    bk_reply r;
    char *buf;
    size_t len = strlen(s->input);
    int found = parse_exact(s->input, len, &r, &buf);
    if (r.reply_code != s->reply || strcmp(r.status, s->status) != 0 || r.command != s->command ||
        (s->text && strcmp(r.text, s->text) != 0))
        print_error("input: %s\n got reply=%d status=%s command=%s text=%s\n", s->input,
                    r.reply_code, r.status, bk_command_name(r.command), r.text);
    assert_int_equal(r.reply_code, s->reply);
    assert_string_equal(r.status, s->status);
    assert_int_equal(r.command, s->command);
    assert_int_equal(found, s->reply != 0 || s->status[0] != '\0');
    assert_int_equal(r.host.len, strlen(s->host));
    if (r.host.len)
        assert_memory_equal(r.host.ptr, s->host, r.host.len);
    assert_int_equal(r.address.len, strlen(s->address));
    if (r.address.len)
        assert_memory_equal(r.address.ptr, s->address, r.address.len);
    if (s->text)
        assert_string_equal(r.text, s->text);
    assert_int_equal(r.text_truncated, 0);
    assert_int_equal(r.bad_reply_code, s->bad_reply);
    assert_string_equal(r.bad_status, s->bad_status);
    free(buf);
}

static void test_shapes(void **state)
{
    (void)state;
    assert_true(sizeof SHAPES / sizeof SHAPES[0] >= 64);
    for (size_t i = 0; i < sizeof SHAPES / sizeof SHAPES[0]; i++)
        expect_shape(&SHAPES[i]);
}

/* every prefix of every shape, each in a buffer of exactly its length: the
 * parser must stay inside it wherever the input is cut */
static void test_shape_prefixes(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof SHAPES / sizeof SHAPES[0]; i++) {
        size_t len = strlen(SHAPES[i].input);
        for (size_t k = 0; k <= len; k++) {
            bk_reply r;
            parse_exact(SHAPES[i].input, k, &r, NULL);
        }
        /* and every suffix */
        for (size_t k = 0; k <= len; k++) {
            bk_reply r;
            parse_exact(SHAPES[i].input + k, len - k, &r, NULL);
        }
    }
}

/* ------------------------------------------------------------------------
 * bk_decide, bk_status_parse, bk_reply_code_valid, permanence, decided_by
 * ---------------------------------------------------------------------- */

static void test_decide(void **state)
{
    (void)state;
    bk_decider by;
    bk_permanence perm;
    const char *why;

    /* both, same class */
    why = bk_decide(550, 5, &by, &perm);
    assert_int_equal(by, BK_DECIDE_BOTH);
    assert_int_equal(perm, BK_PERM_PERMANENT);
    assert_non_null(why);
    assert_non_null(strstr(why, "agree"));
    why = bk_decide(451, 4, &by, &perm);
    assert_int_equal(by, BK_DECIDE_BOTH);
    assert_int_equal(perm, BK_PERM_TRANSIENT);
    why = bk_decide(250, 2, &by, &perm);
    assert_int_equal(by, BK_DECIDE_BOTH);
    assert_int_equal(perm, BK_PERM_SUCCESS);

    /* both, the classes disagree: the reply code decides */
    why = bk_decide(550, 4, &by, &perm);
    assert_int_equal(by, BK_DECIDE_REPLY);
    assert_int_equal(perm, BK_PERM_PERMANENT);
    assert_non_null(strstr(why, "reply code decides"));
    assert_non_null(strstr(why, "disagree"));
    const char *disagree = why;
    why = bk_decide(450, 5, &by, &perm);
    assert_int_equal(by, BK_DECIDE_REPLY);
    assert_int_equal(perm, BK_PERM_TRANSIENT);
    assert_string_equal(why, disagree);
    why = bk_decide(250, 5, &by, &perm);
    assert_int_equal(by, BK_DECIDE_REPLY);
    assert_int_equal(perm, BK_PERM_SUCCESS);
    assert_string_equal(why, disagree);

    /* only the reply code */
    why = bk_decide(421, 0, &by, &perm);
    assert_int_equal(by, BK_DECIDE_REPLY);
    assert_int_equal(perm, BK_PERM_TRANSIENT);
    assert_non_null(strstr(why, "reply code"));
    assert_null(strstr(why, "disagree"));
    why = bk_decide(354, 0, &by, &perm);
    assert_int_equal(by, BK_DECIDE_REPLY);
    assert_int_equal(perm, BK_PERM_SUCCESS);

    /* only the enhanced code */
    why = bk_decide(0, 5, &by, &perm);
    assert_int_equal(by, BK_DECIDE_STATUS);
    assert_int_equal(perm, BK_PERM_PERMANENT);
    assert_non_null(strstr(why, "enhanced"));
    why = bk_decide(0, 4, &by, &perm);
    assert_int_equal(by, BK_DECIDE_STATUS);
    assert_int_equal(perm, BK_PERM_TRANSIENT);
    why = bk_decide(0, 2, &by, &perm);
    assert_int_equal(by, BK_DECIDE_STATUS);
    assert_int_equal(perm, BK_PERM_SUCCESS);

    /* neither */
    why = bk_decide(0, 0, &by, &perm);
    assert_int_equal(by, BK_DECIDE_NONE);
    assert_int_equal(perm, BK_PERM_UNKNOWN);
    assert_non_null(why);
    assert_true(strlen(why) > 0);

    /* four different sentences, and the out-pointers may be NULL */
    const char *s1 = bk_decide(550, 5, NULL, NULL), *s2 = bk_decide(550, 4, NULL, NULL);
    const char *s3 = bk_decide(550, 0, NULL, NULL), *s4 = bk_decide(0, 5, NULL, NULL);
    const char *s5 = bk_decide(0, 0, NULL, NULL);
    const char *all[] = {s1, s2, s3, s4, s5};
    for (size_t i = 0; i < 5; i++)
        for (size_t j = i + 1; j < 5; j++)
            assert_string_not_equal(all[i], all[j]);
}

static void test_status_parse(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int ok, c, sub, det;
    } CASES[] = {
        {"5.1.1", 1, 5, 1, 1},       {"4.7.0", 1, 4, 7, 0},     {"2.0.0", 1, 2, 0, 0},
        {"5.1.10", 1, 5, 1, 10},     {"5.7.26", 1, 5, 7, 26},   {"5.7.708", 1, 5, 7, 708},
        {"4.999.999", 1, 4, 999, 999},
        /* class must be 2, 4 or 5 */
        {"3.1.1", 0, 0, 0, 0},       {"6.1.1", 0, 0, 0, 0},     {"1.1.1", 0, 0, 0, 0},
        {"0.0.0", 0, 0, 0, 0},       {"9.9.9", 0, 0, 0, 0},
        /* at most three digits a part, one for the class */
        {"5.1000.1", 0, 0, 0, 0},    {"5.1.1000", 0, 0, 0, 0},  {"55.1.1", 0, 0, 0, 0},
        /* exactly one code, nothing around it */
        {"5.1.1 ", 0, 0, 0, 0},      {" 5.1.1", 0, 0, 0, 0},    {"5.1.1.", 0, 0, 0, 0},
        {"5.1.1.4", 0, 0, 0, 0},     {"#5.1.1", 0, 0, 0, 0},    {"5.1.1x", 0, 0, 0, 0},
        {"550 5.1.1", 0, 0, 0, 0},   {"5.1.1\n", 0, 0, 0, 0},
        /* cut or malformed */
        {"", 0, 0, 0, 0},            {"5", 0, 0, 0, 0},         {"5.", 0, 0, 0, 0},
        {"5.1", 0, 0, 0, 0},         {"5.1.", 0, 0, 0, 0},      {"5..1", 0, 0, 0, 0},
        {".5.1.1", 0, 0, 0, 0},      {"5.a.1", 0, 0, 0, 0},     {"5-1-1", 0, 0, 0, 0},
        {"x.1.1", 0, 0, 0, 0},       {"5.1.-1", 0, 0, 0, 0},    {"\xEF\xBC\x95.1.1", 0, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        size_t len = strlen(CASES[i].s);
        char *buf = malloc(len ? len : 1);
        assert_non_null(buf);
        memcpy(buf, CASES[i].s, len);
        int c = -1, sub = -1, det = -1;
        int ok = bk_status_parse(buf, len, &c, &sub, &det);
        if (ok != CASES[i].ok)
            print_error("bk_status_parse(\"%s\") = %d\n", CASES[i].s, ok);
        assert_int_equal(ok, CASES[i].ok);
        if (ok) {
            assert_int_equal(c, CASES[i].c);
            assert_int_equal(sub, CASES[i].sub);
            assert_int_equal(det, CASES[i].det);
        } else {
            /* nothing is written on failure */
            assert_int_equal(c, -1);
            assert_int_equal(sub, -1);
            assert_int_equal(det, -1);
        }
        free(buf);
    }
    /* exactly len bytes: what follows is not read */
    int c, sub, det;
    assert_int_equal(bk_status_parse("5.1.12", 5, &c, &sub, &det), 1);
    assert_int_equal(det, 1);
    assert_int_equal(bk_status_parse("5.1.1 User unknown", 5, &c, &sub, &det), 1);
    assert_int_equal(bk_status_parse("5.1.1", 4, &c, &sub, &det), 0);
    assert_int_equal(bk_status_parse("5.1.1", 0, &c, &sub, &det), 0);
    assert_int_equal(bk_status_parse("5\0.1.1", 6, &c, &sub, &det), 0);
}

static void test_reply_code_valid(void **state)
{
    (void)state;
    static const int VALID[] = {200, 211, 214, 220, 221, 235, 250, 251, 252, 255, 300, 334,
                                354, 400, 421, 450, 451, 452, 454, 455, 500, 501, 502, 503,
                                504, 521, 530, 550, 551, 552, 553, 554, 555, 556, 559};
    static const int INVALID[] = {0,   1,   99,  100, 199, 260, 299, 360, 399, 460, 499,
                                  560, 569, 599, 600, 650, 999, -1,  -550, 1000, 2500, 5500,
                                  5501, 55};
    for (size_t i = 0; i < sizeof VALID / sizeof VALID[0]; i++) {
        if (!bk_reply_code_valid(VALID[i]))
            print_error("%d should be valid\n", VALID[i]);
        assert_true(bk_reply_code_valid(VALID[i]));
    }
    for (size_t i = 0; i < sizeof INVALID / sizeof INVALID[0]; i++) {
        if (bk_reply_code_valid(INVALID[i]))
            print_error("%d should be invalid\n", INVALID[i]);
        assert_false(bk_reply_code_valid(INVALID[i]));
    }
    /* every number from 0 to 999 by the rule of RFC 5321 4.2 */
    for (int code = 0; code < 1000; code++) {
        int first = code / 100, second = (code / 10) % 10;
        assert_int_equal(bk_reply_code_valid(code), first >= 2 && first <= 5 && second <= 5);
    }
}

static void test_permanence(void **state)
{
    (void)state;
    assert_int_equal(bk_permanence_of_class(2), BK_PERM_SUCCESS);
    assert_int_equal(bk_permanence_of_class(3), BK_PERM_SUCCESS);
    assert_int_equal(bk_permanence_of_class(4), BK_PERM_TRANSIENT);
    assert_int_equal(bk_permanence_of_class(5), BK_PERM_PERMANENT);
    static const int NONE[] = {-1, 0, 1, 6, 7, 9, 10, 55};
    for (size_t i = 0; i < sizeof NONE / sizeof NONE[0]; i++)
        assert_int_equal(bk_permanence_of_class(NONE[i]), BK_PERM_UNKNOWN);
    assert_string_equal(bk_permanence_name(BK_PERM_SUCCESS), "success");
    assert_string_equal(bk_permanence_name(BK_PERM_TRANSIENT), "transient");
    assert_string_equal(bk_permanence_name(BK_PERM_PERMANENT), "permanent");
    assert_string_equal(bk_permanence_name(BK_PERM_UNKNOWN), "unknown");

    /* through the parser, each class */
    static const struct {
        const char *input;
        bk_permanence perm;
    } CASES[] = {
        {"250 2.0.0 Ok: queued as 4Q1x2y3z4", BK_PERM_SUCCESS},
        {"354 End data with <CR><LF>.<CR><LF>", BK_PERM_SUCCESS},
        {"2.1.5 Destination address valid", BK_PERM_SUCCESS},
        {"451 4.3.0 Temporary lookup failure", BK_PERM_TRANSIENT},
        {"421 Service not available", BK_PERM_TRANSIENT},
        {"4.2.2 Mailbox full", BK_PERM_TRANSIENT},
        {"550 5.1.1 User unknown", BK_PERM_PERMANENT},
        {"554 Transaction failed", BK_PERM_PERMANENT},
        {"Sorry, no mailbox here by that name. (#5.1.1)", BK_PERM_PERMANENT},
        {"Connection timed out", BK_PERM_UNKNOWN},
        {"999 Something odd", BK_PERM_UNKNOWN},
        {"6.1.1 Bad code", BK_PERM_UNKNOWN},
    };
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        bk_reply r;
        parse_exact(CASES[i].input, strlen(CASES[i].input), &r, NULL);
        if (r.permanence != CASES[i].perm)
            print_error("input: %s\n got %s\n", CASES[i].input, bk_permanence_name(r.permanence));
        assert_int_equal(r.permanence, CASES[i].perm);
    }
}

static void test_decided_by(void **state)
{
    (void)state;
    assert_string_equal(bk_decider_name(BK_DECIDE_REPLY), "reply code");
    assert_string_equal(bk_decider_name(BK_DECIDE_STATUS), "enhanced code");
    assert_string_equal(bk_decider_name(BK_DECIDE_BOTH), "both");
    assert_string_equal(bk_decider_name(BK_DECIDE_NONE), "none");

    static const struct {
        const char *input;
        bk_decider by;
        bk_permanence perm;
    } CASES[] = {
        {"550 5.1.1 User unknown", BK_DECIDE_BOTH, BK_PERM_PERMANENT},
        {"452-4.2.2 over quota\n452 4.2.2 try later", BK_DECIDE_BOTH, BK_PERM_TRANSIENT},
        {"550 User unknown", BK_DECIDE_REPLY, BK_PERM_PERMANENT},
        {"Mailbox unavailable [550]", BK_DECIDE_REPLY, BK_PERM_PERMANENT},
        {"5.2.2 Mailbox full", BK_DECIDE_STATUS, BK_PERM_PERMANENT},
        {"I wasn't able to establish an SMTP connection. (#4.4.1)", BK_DECIDE_STATUS,
         BK_PERM_TRANSIENT},
        {"Connection timed out", BK_DECIDE_NONE, BK_PERM_UNKNOWN},
        {"", BK_DECIDE_NONE, BK_PERM_UNKNOWN},
        /* disagreement: both kept, the reply code decides */
        {"550 4.2.2 Mailbox full", BK_DECIDE_REPLY, BK_PERM_PERMANENT},
        {"450 5.2.2 Mailbox full", BK_DECIDE_REPLY, BK_PERM_TRANSIENT},
        {"250 5.0.0 odd", BK_DECIDE_REPLY, BK_PERM_SUCCESS},
        /* an out-of-range code does not decide */
        {"550 6.1.1 Bad code", BK_DECIDE_REPLY, BK_PERM_PERMANENT},
        {"999 5.1.1 Bad code", BK_DECIDE_STATUS, BK_PERM_PERMANENT},
    };
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        bk_reply r;
        parse_exact(CASES[i].input, strlen(CASES[i].input), &r, NULL);
        if (r.decided_by != CASES[i].by || r.permanence != CASES[i].perm)
            print_error("input: %s\n got %s, %s\n", CASES[i].input,
                        bk_decider_name(r.decided_by), bk_permanence_name(r.permanence));
        assert_int_equal(r.decided_by, CASES[i].by);
        assert_int_equal(r.permanence, CASES[i].perm);
    }

    /* the disagreement keeps both codes and says why */
    bk_reply r;
    parse_exact("550 4.2.2 Mailbox full", 22, &r, NULL);
    assert_int_equal(r.reply_code, 550);
    assert_string_equal(r.status, "4.2.2");
    assert_int_equal(r.status_class, 4);
    assert_int_equal(r.status_subject, 2);
    assert_int_equal(r.status_detail, 2);
    assert_non_null(strstr(r.decision, "reply code decides"));
}

/* ------------------------------------------------------------------------
 * Hostile input
 * ---------------------------------------------------------------------- */

static void test_overlong(void **state)
{
    (void)state;
    /* 100 KB of text with two- and three-byte characters, then a code */
    static const char WORD[] = "d\xC3\xA9j\xC3\xA0 \xE2\x82\xAC ";
    const char *tail = " 550 5.1.1 User unknown";
    size_t wlen = strlen(WORD), tlen = strlen(tail);
    size_t len = 100 * 1024 + tlen;
    char *big = malloc(len);
    assert_non_null(big);
    size_t k = 0;
    while (k + wlen <= 100 * 1024) {
        memcpy(big + k, WORD, wlen);
        k += wlen;
    }
    while (k < 100 * 1024)
        big[k++] = 'x';
    memcpy(big + k, tail, tlen);
    bk_reply r;
    int found = bk_reply_parse(big, len, &r);
    expect_sane(&r, big, len, found);
    assert_int_equal(found, 1);
    assert_int_equal(r.reply_code, 550);
    assert_string_equal(r.status, "5.1.1");
    assert_int_equal(r.text_truncated, 1);
    assert_true(r.text_len < BK_REPLY_TEXT_MAX);
    assert_true(r.text_len > BK_REPLY_TEXT_MAX - 16);
    assert_true(utf8_valid(r.text, r.text_len));
    assert_memory_equal(r.text, "d\xC3\xA9j\xC3\xA0 \xE2\x82\xAC d", 11);

    /* the code first, then 100 KB */
    memcpy(big, "550 5.1.1 ", 10);
    found = bk_reply_parse(big, len, &r);
    expect_sane(&r, big, len, found);
    assert_int_equal(r.reply_code, 550);
    assert_string_equal(r.status, "5.1.1");
    assert_int_equal(r.text_truncated, 1);
    assert_true(r.text_len < BK_REPLY_TEXT_MAX);
    assert_true(utf8_valid(r.text, r.text_len));

    /* one line of 100 KB with no space at all */
    memset(big, 'a', len);
    memcpy(big, "550 5.1.1 ", 10);
    found = bk_reply_parse(big, len, &r);
    expect_sane(&r, big, len, found);
    assert_int_equal(r.text_truncated, 1);
    assert_int_equal(r.text_len, BK_REPLY_TEXT_MAX - 1);

    /* a text that just fits is not truncated */
    memset(big, 'a', len);
    memcpy(big, "550 5.1.1 ", 10);
    found = bk_reply_parse(big, 10 + BK_REPLY_TEXT_MAX - 1, &r);
    expect_sane(&r, big, 10 + BK_REPLY_TEXT_MAX - 1, found);
    assert_int_equal(r.text_truncated, 0);
    assert_int_equal(r.text_len, BK_REPLY_TEXT_MAX - 1);
    found = bk_reply_parse(big, 10 + BK_REPLY_TEXT_MAX, &r);
    assert_int_equal(r.text_truncated, 1);
    assert_int_equal(r.text_len, BK_REPLY_TEXT_MAX - 1);
    free(big);
}

static void test_nul_bytes(void **state)
{
    (void)state;
    static const char IN1[] = "550 5.1.1 User\0unknown\0\0";
    bk_reply r;
    int found = parse_exact(IN1, sizeof IN1 - 1, &r, NULL);
    assert_int_equal(found, 1);
    assert_int_equal(r.reply_code, 550);
    assert_string_equal(r.status, "5.1.1");
    assert_string_equal(r.text, "User unknown");
    assert_int_equal(r.text_len, 12);

    /* NUL bytes before the code count as white space */
    static const char IN2[] = "\0\0smtp; 550 5.1.1 <a@example.com>:\0Recipient address rejected";
    found = parse_exact(IN2, sizeof IN2 - 1, &r, NULL);
    assert_int_equal(r.reply_code, 550);
    assert_string_equal(r.status, "5.1.1");
    assert_string_equal(r.text, "<a@example.com>: Recipient address rejected");

    /* the length decides, not the NUL: what follows it is parsed */
    static const char IN3[] = "host mx.example.com[192.0.2.10] said:\0 451 4.7.1 Try again\0later";
    found = parse_exact(IN3, sizeof IN3 - 1, &r, NULL);
    assert_int_equal(r.reply_code, 451);
    assert_string_equal(r.status, "4.7.1");
    assert_int_equal(r.host.len, 14);
    assert_string_equal(r.text, "Try again later");

    /* a NUL inside a code breaks it */
    static const char IN4[] = "5\0" "50 5.1\0.1 x";
    found = parse_exact(IN4, sizeof IN4 - 1, &r, NULL);
    assert_int_equal(found, 0);
    assert_int_equal(r.reply_code, 0);
    assert_string_equal(r.status, "");

    /* nothing but NUL bytes */
    char zeros[64];
    memset(zeros, 0, sizeof zeros);
    found = parse_exact(zeros, sizeof zeros, &r, NULL);
    assert_int_equal(found, 0);
    assert_string_equal(r.text, "");
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    static const struct {
        const char *input, *text;
    } CASES[] = {
        /* Latin-1, a lone lead byte, a cut four-byte sequence, a surrogate,
         * an overlong, bytes that never occur */
        {"550 5.1.1 Fran\xE7ois unknown", "Fran\xEF\xBF\xBDois unknown"},
        {"550 5.1.1 a\xC3(b", "a\xEF\xBF\xBD(b"},
        {"550 5.1.1 a\xF0\x9F\x98 b",
         "a\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD b"},
        {"550 5.1.1 a\xED\xA0\x80z", "a\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDz"},
        {"550 5.1.1 \xC0\xAF slash", "\xEF\xBF\xBD\xEF\xBF\xBD slash"},
        {"550 5.1.1 \xFF\xFE", "\xEF\xBF\xBD\xEF\xBF\xBD"},
        /* valid UTF-8 is kept as it is */
        {"550 5.1.1 Fran\xC3\xA7ois \xE2\x9C\x89 \xF0\x9F\x93\xAB unknown",
         "Fran\xC3\xA7ois \xE2\x9C\x89 \xF0\x9F\x93\xAB unknown"},
        /* a sequence cut by the end of the input */
        {"550 5.1.1 end \xE2\x82", "end \xEF\xBF\xBD\xEF\xBF\xBD"},
        /* no code: the whole text */
        {"Mailbox \x80\x81 full", "Mailbox \xEF\xBF\xBD\xEF\xBF\xBD full"},
    };
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        bk_reply r;
        parse_exact(CASES[i].input, strlen(CASES[i].input), &r, NULL);
        assert_string_equal(r.text, CASES[i].text);
        assert_true(utf8_valid(r.text, r.text_len));
    }
}

/* next_random - a small deterministic generator */
static uint32_t next_random(uint32_t *seed)
{
    *seed = *seed * 1664525u + 1013904223u;
    return *seed >> 8;
}

/* a closing bracket left over at the end is cut when the text has more of
 * them than openers, counted past 255 of each */
static void test_unbalanced_close(void **state)
{
    (void)state;
    static const size_t opens[] = {0, 1, 254, 255, 256, 300, 320};
    for (size_t k = 0; k < sizeof opens / sizeof opens[0]; k++)
        for (size_t extra = 0; extra <= 1; extra++) {
            char text[1024], want[1024];
            size_t n = 0, w = 0;
            memcpy(text, "550 ", 4);
            n = 4;
            for (size_t i = 0; i < opens[k]; i++)
                text[n++] = 'a', text[n++] = '(';
            text[n++] = 'b';
            memcpy(want, text + 4, n - 4);
            w = n - 4;
            for (size_t i = 0; i < opens[k] + extra; i++) {
                text[n++] = ')';
                if (i < opens[k])
                    want[w++] = ')';
            }
            want[w] = '\0';
            bk_reply r;
            bk_reply_parse(text, n, &r);
            assert_string_equal(r.text, want);
        }
}

/* a byte that ends a run of plain text (copied 16 bytes at a time, across
 * single spaces before what is not a digit), at every place of a 40-byte run:
 * "(in reply to ...)" goes, UTF-8 is kept, an invalid byte becomes U+FFFD,
 * DEL and a tab a space, two spaces one */
static void test_plain_runs(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } stops[] = {{"(in reply to DATA command)", " "}, {"(", "("}, {"\xc3\xa9", "\xc3\xa9"}, {"\xff", "\xef\xbf\xbd"},
                 {"\x7f", " "}, {"\t", " "}, {"~", "~"}, {" ", " "}, {"  ", " "},
                 {" 7", " 7"}, {" (", " ("}, {" \t", " "}};
    for (size_t k = 1; k < 40; k++)
        for (size_t x = 0; x < sizeof stops / sizeof stops[0]; x++) {
            char in[128], want[128];
            snprintf(in, sizeof in, "%.*s%s%.*s", (int)k, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                     stops[x].in, (int)(40 - k), "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
            snprintf(want, sizeof want, "%.*s%s%.*s", (int)k, in, stops[x].out, (int)(40 - k),
                     in + k + strlen(stops[x].in));
            bk_reply r;
            bk_reply_parse(in, strlen(in), &r);
            assert_string_equal(r.text, want);
        }
    /* short texts: the stop among the last 16 bytes, or in a text of fewer */
    for (size_t k = 1; k < 16; k++)
        for (size_t m = 1; m < 16; m++)
            for (size_t x = 0; x < sizeof stops / sizeof stops[0]; x++) {
                char in[64], want[64];
                snprintf(in, sizeof in, "%.*s%s%.*s", (int)k, "aaaaaaaaaaaaaaaa", stops[x].in,
                         (int)m, "bbbbbbbbbbbbbbbb");
                snprintf(want, sizeof want, "%.*s%s%.*s", (int)k, in, stops[x].out, (int)m,
                         "bbbbbbbbbbbbbbbb");
                bk_reply r;
                bk_reply_parse(in, strlen(in), &r);
                assert_string_equal(r.text, want);
            }
}

/* a run of digits glued to a word ("mta2792", "é12", "198.51.100.137") holds
 * no code and is passed over whole: the codes after it, past any separator
 * that lets one begin, are found as after a run of letters */
static void test_glued_numbers(void **state)
{
    (void)state;
    static const char *const runs[][2] = {{"mta2792", "mtaxxxx"},
                                          {"\xc3\xa9" "12", "\xc3\xa9" "xy"},
                                          {"198.51.100.137", "abc.de.fgh.ijk"},
                                          {"id_4_550", "id_x_xxx"}};
    static const char *const seps[] = {" ", "\t", "\n", ";", "(", "[", "#", "<", ">", "\"",
                                       "'", ",", "!", "; ", " (", "\r\n"};
    static const char *const tails[] = {"550 5.1.1 user unknown", "5.7.1 denied", "421 later",
                                        "999 odd", "6.1.1 odd", "550-5.1.1 x"};
    for (size_t k = 0; k < sizeof runs / sizeof runs[0]; k++)
        for (size_t x = 0; x < sizeof seps / sizeof seps[0]; x++)
            for (size_t t = 0; t < sizeof tails / sizeof tails[0]; t++) {
                char in[2][128];
                bk_reply r[2];
                for (int v = 0; v < 2; v++) {
                    snprintf(in[v], sizeof in[v], "%s%s%s", runs[k][v], seps[x], tails[t]);
                    parse_exact(in[v], strlen(in[v]), &r[v], NULL);
                }
                if (r[0].reply_code != r[1].reply_code || strcmp(r[0].status, r[1].status) != 0)
                    print_error("input: %s\n", in[0]);
                assert_int_equal(r[0].reply_code, r[1].reply_code);
                assert_string_equal(r[0].status, r[1].status);
                assert_int_equal(r[0].bad_reply_code, r[1].bad_reply_code);
                assert_string_equal(r[0].bad_status, r[1].bad_status);
                assert_int_equal(r[0].decided_by, r[1].decided_by);
            }
}

/* a code at every place of the 16-byte steps, after digits glued to words,
 * and at the end of the text (whose last 16 bytes are read whole) */
static void test_code_places(void **state)
{
    (void)state;
    static const char filler[] = "a1 x.9 \xc3\xa9" "7 _5 b22 3.x ";
    static const char *const tails[] = {"550 5.1.1", "550 5.1.1 user unknown"};
    for (size_t at = 0; at < 48; at++)
        for (size_t t = 0; t < 2; t++) {
            char in[128];
            for (size_t i = 0; i < at; i++)
                in[i] = filler[i % (sizeof filler - 1)];
            if (at)
                in[at - 1] = ' ';
            size_t len = at + (size_t)snprintf(in + at, sizeof in - at, "%s", tails[t]);
            bk_reply r;
            parse_exact(in, len, &r, NULL);
            if (r.reply_code != 550 || strcmp(r.status, "5.1.1") != 0)
                print_error("input: %.*s\n", (int)len, in);
            assert_int_equal(r.reply_code, 550);
            assert_string_equal(r.status, "5.1.1");
        }
}

static void test_ten_megabytes(void **state)
{
    (void)state;
    const size_t len = 10u * 1024 * 1024;
    char *big = malloc(len);
    assert_non_null(big);
    static const char ALPHABET[] = "0123456789......----    [](:;#<>\n\r\tabcdefhostsaid";
    uint32_t seed = 12345;
    bk_reply r;

    /* random bytes, digits and dots */
    for (size_t i = 0; i < len; i++) {
        uint32_t x = next_random(&seed);
        if (x % 4 == 0)
            big[i] = (char)(x >> 8);
        else
            big[i] = ALPHABET[(x >> 8) % (sizeof ALPHABET - 1)];
    }
    int found = bk_reply_parse(big, len, &r);
    expect_sane(&r, big, len, found);

    /* digits and dots only */
    for (size_t i = 0; i < len; i++)
        big[i] = "0123456789."[next_random(&seed) % 11];
    found = bk_reply_parse(big, len, &r);
    expect_sane(&r, big, len, found);

    free(big);

    /* shapes that could make a scan quadratic, at 1 MB each (the last
     * bytes of a buffer of exactly that size) */
    const size_t mlen = 1024 * 1024;
    big = malloc(mlen);
    assert_non_null(big);

    /* repeated near-codes: "550-", "5.1.", "host x[" over and over */
    static const char PIECE[] = "550-5.1.1x 5.1. 55 host mx.example.com[192.0.2. :587 >>> ";
    for (size_t i = 0; i < mlen; i++)
        big[i] = PIECE[i % (sizeof PIECE - 1)];
    found = bk_reply_parse(big, mlen, &r);
    expect_sane(&r, big, mlen, found);

    /* one long token of letters and colons, ending in a number */
    memset(big, 'a', mlen);
    for (size_t i = 1; i < mlen; i += 2)
        big[i] = ':';
    memcpy(big + mlen - 4, ":550", 4);
    found = bk_reply_parse(big, mlen, &r);
    expect_sane(&r, big, mlen, found);
    assert_int_equal(r.reply_code, 0);

    /* a real reply at the very end of white space */
    memset(big, ' ', mlen);
    memcpy(big + mlen - 22, "550 5.1.1 User unknown", 22);
    found = bk_reply_parse(big, mlen, &r);
    expect_sane(&r, big, mlen, found);
    assert_int_equal(r.reply_code, 550);
    assert_string_equal(r.status, "5.1.1");
    assert_string_equal(r.text, "User unknown");
    free(big);
}

static void test_cut_codes(void **state)
{
    (void)state;
    static const struct {
        const char *input;
        int reply;
        const char *status;
    } CASES[] = {
        {"5", 0, ""},          {"55", 0, ""},           {"550", 550, ""},
        {"550-", 550, ""},     {"550 ", 550, ""},       {"550 5", 550, ""},
        {"550 5.", 550, ""},   {"550 5.1", 550, ""},    {"550 5.1.", 550, ""},
        {"550 5.1.1", 550, "5.1.1"},                    {"550-5.1.1", 550, "5.1.1"},
        {"5.", 0, ""},         {"5.1", 0, ""},          {"5.1.", 0, ""},
        {"5.1.1", 0, "5.1.1"}, {"#5.1.", 0, ""},        {"(#5.1", 0, ""},
        {"[55", 0, ""},        {"[550", 550, ""},       {"smtp; 55", 0, ""},
        {"host mx.example.com[192.0.2.", 0, ""},        {"host mx.example.com[", 0, ""},
        {"host mx.example.com[IPv6:2001:db8::", 0, ""},
        {"connect to mx.example.com[192.0.2.1]:", 0, ""},
        {"(in reply to RCPT TO", 0, ""},                {">>> ", 0, ""},
        {"Diagnostic-Code: smtp", 0, ""},               {"x-", 0, ""},
        {"<<<#550>", 550, ""}, /* the lead-in ends inside the code's cut */
    };
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        bk_reply r;
        parse_exact(CASES[i].input, strlen(CASES[i].input), &r, NULL);
        if (r.reply_code != CASES[i].reply || strcmp(r.status, CASES[i].status) != 0)
            print_error("input: %s\n got reply=%d status=%s\n", CASES[i].input, r.reply_code,
                        r.status);
        assert_int_equal(r.reply_code, CASES[i].reply);
        assert_string_equal(r.status, CASES[i].status);
    }
}

static void test_empty(void **state)
{
    (void)state;
    bk_reply r;
    memset(&r, 0x5A, sizeof r);
    assert_int_equal(bk_reply_parse("", 0, &r), 0);
    assert_int_equal(r.reply_code, 0);
    assert_string_equal(r.status, "");
    assert_int_equal(r.command, BK_CMD_NONE);
    assert_int_equal(r.host.len, 0);
    assert_int_equal(r.address.len, 0);
    assert_string_equal(r.text, "");
    assert_int_equal(r.text_len, 0);
    assert_int_equal(r.text_truncated, 0);
    assert_int_equal(r.decided_by, BK_DECIDE_NONE);
    assert_int_equal(r.permanence, BK_PERM_UNKNOWN);
    assert_non_null(r.decision);
    assert_int_equal(r.bad_reply_code, 0);
    assert_string_equal(r.bad_status, "");

    memset(&r, 0x5A, sizeof r);
    assert_int_equal(bk_reply_parse(NULL, 0, &r), 0);
    assert_int_equal(r.reply_code, 0);
    assert_string_equal(r.status, "");
    assert_string_equal(r.text, "");
    assert_int_equal(r.text_len, 0);
    assert_int_equal(r.decided_by, BK_DECIDE_NONE);

    /* a text that is only white space */
    parse_exact(" \t\r\n \n", 6, &r, NULL);
    assert_string_equal(r.text, "");
    assert_int_equal(r.decided_by, BK_DECIDE_NONE);
}

/* command names both ways */
static void test_command_names(void **state)
{
    (void)state;
    for (int c = BK_CMD_CONNECT; c <= BK_CMD_QUIT; c++) {
        const char *n = bk_command_name((bk_command)c);
        assert_int_equal(bk_command_parse(n, strlen(n)), c);
    }
    assert_int_equal(bk_command_parse("rcpt", 4), BK_CMD_RCPT);
    assert_int_equal(bk_command_parse("RCPT TO", 7), BK_CMD_RCPT);
    assert_int_equal(bk_command_parse("mail from", 9), BK_CMD_MAIL);
    assert_int_equal(bk_command_parse(".", 1), BK_CMD_DATA);
    assert_int_equal(bk_command_parse("RCPTX", 4), BK_CMD_RCPT); /* len bytes only */
    assert_int_equal(bk_command_parse("FROB", 4), BK_CMD_NONE);
    assert_int_equal(bk_command_parse("", 0), BK_CMD_NONE);
    assert_int_equal(bk_command_parse(NULL, 0), BK_CMD_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_command_names),
        cmocka_unit_test(test_code_places),
        cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_shape_prefixes),
        cmocka_unit_test(test_decide),
        cmocka_unit_test(test_status_parse),
        cmocka_unit_test(test_reply_code_valid),
        cmocka_unit_test(test_permanence),
        cmocka_unit_test(test_decided_by),
        cmocka_unit_test(test_overlong),
        cmocka_unit_test(test_nul_bytes),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_unbalanced_close),
        cmocka_unit_test(test_plain_runs),
        cmocka_unit_test(test_glued_numbers),
        cmocka_unit_test(test_ten_megabytes),
        cmocka_unit_test(test_cut_codes),
        cmocka_unit_test(test_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
