/*
 * bench_reply.c - throughput of the SMTP reply parser: parses a set of
 * real-looking reply lines over and over on one core and prints replies
 * per second and MB per second. Usage: bench_reply [SECONDS]
 */
#define _POSIX_C_SOURCE 200809L
#include "bouncekit.h"
#include "bench_clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const LINES[] = {
    "host mx.example.com[192.0.2.10] said: 550 5.1.1 <jane@example.com>: Recipient address "
    "rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)",
    "host gmail-smtp-in.l.google.com[192.0.2.26] said: 550-5.1.1 The email account that you "
    "tried to reach does not exist. Please try 550-5.1.1 double-checking the recipient's email "
    "address for typos or 550-5.1.1 unnecessary spaces. Learn more at 550 5.1.1 "
    "https://support.google.com/mail/?p=NoSuchUser - gsmtp (in reply to RCPT TO command)",
    "smtp; 552 5.2.2 Mailbox full",
    "Sorry, no mailbox here by that name. (#5.1.1)",
    "SMTP error from remote mail server after RCPT TO:<a@example.org>: host mx.example.org "
    "[192.0.2.5]: 550 5.1.1 unknown user",
    "connect to mx.example.com[192.0.2.1]:25: Connection timed out",
    "host mx.example.net[192.0.2.30] said: 421 4.7.0 [TSS04] Messages from 192.0.2.1 "
    "temporarily deferred due to unexpected volume or user complaints (in reply to MAIL FROM "
    "command)",
    "550 5.4.1 Recipient address rejected: Access denied. AS(201806281) "
    "[DM6NAM11FT012.eop-nam11.prod.protection.outlook.com]",
};

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 2.0;
    size_t n = sizeof LINES / sizeof LINES[0], lens[sizeof LINES / sizeof LINES[0]];
    for (size_t i = 0; i < n; i++)
        lens[i] = strlen(LINES[i]);
    bk_reply r;
    unsigned long long count = 0, bytes = 0, found = 0;
    double start = now(), end = start;
    while (end - start < seconds) {
        for (int rep = 0; rep < 1000; rep++)
            for (size_t i = 0; i < n; i++) {
                found += (unsigned)bk_reply_parse(LINES[i], lens[i], &r);
                bytes += lens[i];
                count++;
            }
        end = now();
    }
    double t = end - start;
    printf("bench_reply: %llu replies in %.2f s: %.0f replies/s, %.1f MB/s (%llu with codes)\n",
           count, t, (double)count / t, (double)bytes / t / 1e6, found);
    return 0;
}
