package org.jcalico.kernel;

import java.util.Comparator;
import org.jcalico.util.Shown;

/**
 * A base chain of nf_tables as nft names it: family ("ip", "inet" ...), table and chain. Table and chain names are
 * another program's and may hold spaces or any byte but NUL, so they travel as fields, never as one joined string.
 */
public record BaseChain(String family, String table, String name) implements Comparable<BaseChain> {
    private static final Comparator<BaseChain> ORDER = Comparator.comparing(BaseChain::family)
            .thenComparing(BaseChain::table).thenComparing(BaseChain::name);

    /** By family, then table, then chain, so that a status line names the same chains in the same order each time. */
    @Override
    public int compareTo(BaseChain other) {
        return ORDER.compare(this, other);
    }

    /**
     * The chain for a person to read, as nft lists it ({@code ip filter FORWARD}); a name of other characters than
     * nft's plain ones (letters, digits, {@code _ . - /}) in quotes, so that its parts stay apart ({@code inet "my fw"
     * fwd}), and its control characters written out, so that a status line stays one line and a terminal is never
     * sent another program's escape sequences.
     */
    public String shown() {
        return family + " " + shown(table) + " " + shown(name);
    }

    private static String shown(String name) {
        boolean plain = !name.isEmpty() && name.chars().allMatch(c -> c < 128 && (Character.isLetterOrDigit(c) || "_.-/".indexOf(c) >= 0));
        return plain ? name : "\"" + Shown.escaped(name).replace("\"", "\\\"") + "\"";
    }
}
