/*
 * names.c - the printable names of the shared vocabulary (permanence,
 * SMTP commands, deciders) and the library version.
 */
#include "bouncekit.h"
#include "text.h"

#include <string.h>

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

bk_command bk_command_parse(const char *name, size_t len)
{
    static const struct {
        const char *name;
        bk_command cmd;
    } extra[] = {{"RCPT TO", BK_CMD_RCPT}, {"MAIL FROM", BK_CMD_MAIL}, {"LHLO", BK_CMD_EHLO},
                 {".", BK_CMD_DATA}};
    if (!name)
        return BK_CMD_NONE;
    for (int c = BK_CMD_CONNECT; c <= BK_CMD_QUIT; c++) {
        const char *n = bk_command_name((bk_command)c);
        if (strlen(n) == len && bk_ci_prefix(name, len, n))
            return (bk_command)c;
    }
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
        if (strlen(extra[i].name) == len && bk_ci_prefix(name, len, extra[i].name))
            return extra[i].cmd;
    return BK_CMD_NONE;
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
