package org.jcalico.felix.dataplane.ipsets;

import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.function.ToIntFunction;
import org.jcalico.kernel.CommandText;
import org.jcalico.kernel.ToolInput;

/**
 * An {@code ipset restore} input as the planner makes it: single lines (create, swap, destroy) and runs of
 * "VERB SET MEMBER" lines, one for each member of a collection. Every line is checked when it is planned
 * ({@link CommandText#line}), so that a refused value is refused before ipset starts; a run's members are put in order
 * and written as text only when the input is written. A set of 100,000 members written whole is 3.5 MB of text, which
 * the planner used to make as one string (and the runner copy again as bytes) before ipset started; now ipset starts
 * first and creates the set while the JVM orders the members, then adds the first ones while the JVM writes the next
 * (docs/dataplane.md, "ipsets").
 */
public final class IpSetInput implements ToolInput {
    static final IpSetInput EMPTY = new IpSetInput(List.of(), 0, 0);
    /** Up to this many members a set written whole is in text order (what a person reads), above it by a number. */
    static final int TEXT_ORDER_UP_TO = 1_000;
    private final List<Piece> pieces;
    private final int lines;
    private final int length;

    private IpSetInput(List<Piece> pieces, int lines, int length) {
        this.pieces = pieces;
        this.lines = lines;
        this.length = length;
    }

    boolean isEmpty() {
        return lines == 0;
    }

    /** How many lines it writes. */
    int lines() {
        return lines;
    }

    /** Whether every line adds or deletes a member (no set is made, swapped or destroyed). */
    boolean membersOnly() {
        return pieces.stream().allMatch(piece -> piece instanceof Members);
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public void writeTo(Writer out) throws IOException {
        for (Piece piece : pieces) {
            switch (piece) {
                case Line line -> out.append(line.text()).append('\n');
                case Members run -> {
                    if (run.order() != null) {
                        // ipset makes the set (the line before) while the members are put in order
                        out.flush();
                    }
                    for (String member : run.order() != null ? ordered(run.members(), run.order()) : run.members()) {
                        out.append(run.prefix()).append(member).append('\n');
                    }
                }
            }
        }
    }

    /**
     * A whole set's members in an order that depends on them (and ORDER) only, so that the input reads the same for
     * the same content: by text up to {@link #TEXT_ORDER_UP_TO} members, above that by ORDER's number for each (the
     * kernel's bucket, or the hash code), then text. Sorting 100,000 members by text was a third of the driver's own
     * time for a set that large; by a number it is a sort of numbers.
     */
    static List<String> ordered(Collection<String> members, ToIntFunction<String> order) {
        String[] all = members.toArray(new String[0]);
        if (all.length <= TEXT_ORDER_UP_TO) {
            Arrays.sort(all);
            return Arrays.asList(all);
        }
        long[] keys = new long[all.length];
        for (int i = 0; i < all.length; i++) {
            keys[i] = (long) order.applyAsInt(all[i]) << 32 | i;
        }
        Arrays.sort(keys);
        String[] ordered = new String[all.length];
        for (int i = 0; i < all.length; i++) {
            ordered[i] = all[(int) keys[i]];
        }
        // members of equal number by text, so that the order does not depend on the set's own
        for (int start = 0, end; start < ordered.length; start = end) {
            long number = keys[start] >> 32;
            end = start + 1;
            while (end < ordered.length && keys[end] >> 32 == number) {
                end++;
            }
            if (end - start > 1) {
                Arrays.sort(ordered, start, end);
            }
        }
        return Arrays.asList(ordered);
    }

    private sealed interface Piece permits Line, Members {
    }

    private record Line(String text) implements Piece {
    }

    /** "PREFIX MEMBER" for each member: in the order given, or (a whole set) in {@link #ordered} ORDER. */
    private record Members(String prefix, Collection<String> members, ToIntFunction<String> order) implements Piece {
    }

    /** The input, checked line by line as it is planned. */
    static final class Builder {
        private final List<Piece> pieces = new ArrayList<>();
        private int lines;
        private int length;

        void add(String line) {
            pieces.add(new Line(CommandText.line(line)));
            lines++;
            length += line.length() + 1;
        }

        /** "VERB SET MEMBER" for each of MEMBERS (immutable, or not changed after), in the order given. */
        void members(String verb, String set, Collection<String> members) {
            members(verb, set, members, null);
        }

        /** "add SET MEMBER" for each member of a whole set (immutable), in {@link #ordered} ORDER. */
        void wholeSet(String set, Collection<String> members, ToIntFunction<String> order) {
            members("add", set, members, order);
        }

        private void members(String verb, String set, Collection<String> members, ToIntFunction<String> order) {
            if (members.isEmpty()) {
                return;
            }
            String prefix = CommandText.line(verb + " " + set + " ");
            int text = 0;
            for (String member : members) {
                text += CommandText.line(member).length();
            }
            pieces.add(new Members(prefix, members, order));
            lines += members.size();
            length += text + members.size() * (prefix.length() + 1);
        }

        int lines() {
            return lines;
        }

        IpSetInput build() {
            return lines == 0 ? EMPTY : new IpSetInput(List.copyOf(pieces), lines, length);
        }
    }
}
