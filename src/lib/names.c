/*
 * names.c - the printable names of the shared vocabulary (permanence,
 * SMTP commands, deciders) and the library version.
 */
#include "bouncekit.h"

const char *bk_version(void)
{
    return BOUNCEKIT_VERSION;
}

const char *bk_permanence_name(bk_permanence p)
{
    switch (p) {
    case BK_PERM_SUCCESS:
        return "success";
    case BK_PERM_TRANSIENT:
        return "transient";
    case BK_PERM_PERMANENT:
        return "permanent";
    default:
        return "unknown";
    }
}

bk_permanence bk_permanence_of_class(int class_digit)
{
    switch (class_digit) {
    case 2:
    case 3:
        return BK_PERM_SUCCESS;
    case 4:
        return BK_PERM_TRANSIENT;
    case 5:
        return BK_PERM_PERMANENT;
    default:
        return BK_PERM_UNKNOWN;
    }
}

const char *bk_command_name(bk_command c)
{
    static const char *const names[] = {"", "CONNECT", "HELO", "EHLO", "STARTTLS", "AUTH",
                                        "MAIL", "RCPT", "DATA", "BDAT", "QUIT"};
    if ((unsigned)c < sizeof names / sizeof names[0])
        return names[c];
    return "";
}

const char *bk_decider_name(bk_decider d)
{
    switch (d) {
    case BK_DECIDE_REPLY:
        return "reply code";
    case BK_DECIDE_STATUS:
        return "enhanced code";
    case BK_DECIDE_BOTH:
        return "both";
    default:
        return "none";
    }
}
