package org.jcalico.kernel;

import org.jcalico.util.Shown;

/**
 * The last line of defence between values and the kernel tools that root runs: an argument, a line of a batch
 * (ip -batch, iptables-restore, ipset restore) or a sysctl key holding a control character could end one command
 * and start another. Such a value is refused, never escaped: whatever produced it is wrong and must say so.
 */
public final class CommandText {
    private CommandText() {
    }

    /** True if the text holds a control character (C0, DEL, C1) or a Unicode line or paragraph separator. */
    public static boolean hasControl(String text) {
        return firstControl(text, false) >= 0;
    }

    /** The argument of a command, or a {@link KernelException} naming it if it holds a control character. */
    public static String argument(String text) {
        return refuseControl("argument", text);
    }

    /** One line of a batch tool's input (without its newline), or a {@link KernelException} naming it. */
    public static String line(String text) {
        return refuseControl("input line", text);
    }

    /** A batch tool's whole input: lines separated by newlines, each checked as by {@link #line}. */
    public static String input(String text) {
        int control = firstControl(text, true);
        if (control >= 0) {
            int start = text.lastIndexOf('\n', control) + 1;
            int end = text.indexOf('\n', control);
            line(text.substring(start, end < 0 ? text.length() : end));
        }
        return text;
    }

    /** The text in single quotes for sh, any quote in it closed, escaped and reopened: always one literal word. */
    public static String shellQuoted(String text) {
        return "'" + text.replace("'", "'\\''") + "'";
    }

    /**
     * The index of the first control character in TEXT (newlines allowed if asked), or -1: one pass over the
     * characters, since a cold start's inputs hold megabytes.
     */
    private static int firstControl(String text, boolean newlines) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if ((c < 0x20 || c >= 0x7f) && (Character.isISOControl(c) || c == '\u2028' || c == '\u2029')
                    && !(newlines && c == '\n')) {
                return i;
            }
        }
        return -1;
    }

    private static String refuseControl(String what, String text) {
        if (hasControl(text)) {
            throw new KernelException("refused to run a command with the " + what + " '" + Shown.escaped(text)
                    + "': it contains a control character");
        }
        return text;
    }
}
