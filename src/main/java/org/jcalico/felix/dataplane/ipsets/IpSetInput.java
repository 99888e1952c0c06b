package org.jcalico.felix.dataplane.ipsets;

import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.LongToIntFunction;
import java.util.function.ToIntFunction;
import org.jcalico.felix.hoststate.IpSetSpec;
import org.jcalico.felix.hoststate.MemberSet;
import org.jcalico.kernel.IpSetNetlink;
import org.jcalico.kernel.ToolInput;
import org.jcalico.util.Ipv4Member;

/**
 * An ipset batch as the planner makes it: single commands (create, swap, destroy) and runs of "VERB SET MEMBER", one
 * for each member of a collection, a whole set's members put in order only when the batch is made. It is written to the
 * kernel as netlink messages ({@link #batch}, {@link IpSetNetlink}), every member checked and encoded before anything
 * is sent; its text is the same batch as {@code ipset restore} lines (what a person reads, and what the property tests
 * give the ipset tool to check that validation only lets through what ipset takes).
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

    /** How many commands (lines) it holds. */
    int lines() {
        return lines;
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public void writeTo(Writer out) throws IOException {
        for (Piece piece : pieces) {
            switch (piece) {
                case Members run -> {
                    String prefix = run.verb() + " " + run.set() + " ";
                    for (String member : run.inOrder()) {
                        out.append(prefix).append(member).append('\n');
                    }
                }
                case Coded run -> {
                    String prefix = "add " + run.set() + " ";
                    for (long code : run.inOrder()) {
                        out.append(prefix).append(Ipv4Member.text(code)).append('\n');
                    }
                }
                case Fence fence -> {
                    // restore stops at its first refused line: nothing to write
                }
                default -> out.append(piece.text()).append('\n');
            }
        }
    }

    /**
     * The netlink batch: each member checked and encoded, a whole set's put in order first.
     *
     * @throws org.jcalico.kernel.KernelException naming a value that is not what its set takes: nothing was sent
     */
    public IpSetNetlink.Batch batch() {
        IpSetNetlink.Batch batch = new IpSetNetlink.Batch();
        for (Piece piece : pieces) {
            switch (piece) {
                case Create create -> batch.create(create.text(), create.name(), create.type().kernelName(),
                        create.version() == 6, create.hashSize(), create.maxElements(), create.initval());
                case Destroy destroy -> batch.destroy(destroy.text(), destroy.name());
                case Swap swap -> batch.swap(swap.text(), swap.from(), swap.to());
                case Members run -> batch.members(run.verb().equals("add"), run.set(), run.type() == IpSetSpec.Type.IP_PORT,
                        run.version() == 6, run.inOrder());
                case Coded run -> batch.members(true, run.set(), run.inOrder());
                case Fence fence -> batch.fence();
            }
        }
        return batch;
    }

    /** The sets it creates, destroys or swaps: a set of each name afterwards may be another than before. */
    Set<String> remade() {
        Set<String> names = new HashSet<>();
        for (Piece piece : pieces) {
            switch (piece) {
                case Create create -> names.add(create.name());
                case Destroy destroy -> names.add(destroy.name());
                case Swap swap -> {
                    names.add(swap.from());
                    names.add(swap.to());
                }
                default -> {
                    // members change a set, they do not replace it
                }
            }
        }
        return names;
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
        eachTie(keys, (start, end) -> Arrays.sort(ordered, start, end));
        return Arrays.asList(ordered);
    }

    /** The same order of IPv4 codes ({@link Ipv4Member}), by ORDER's number for each, then by code. */
    static long[] ordered(long[] codes, LongToIntFunction order) {
        long[] keys = new long[codes.length];
        for (int i = 0; i < codes.length; i++) {
            keys[i] = (long) order.applyAsInt(codes[i]) << 32 | i;
        }
        Arrays.sort(keys);
        long[] ordered = new long[codes.length];
        for (int i = 0; i < codes.length; i++) {
            ordered[i] = codes[(int) keys[i]];
        }
        eachTie(keys, (start, end) -> Arrays.sort(ordered, start, end));
        return ordered;
    }

    /** Calls TIE with each run [start, end) of more than one of the sorted KEYS (number << 32 | index) of one number. */
    private static void eachTie(long[] keys, BiConsumer<Integer, Integer> tie) {
        for (int start = 0, end; start < keys.length; start = end) {
            long number = keys[start] >> 32;
            end = start + 1;
            while (end < keys.length && keys[end] >> 32 == number) {
                end++;
            }
            if (end - start > 1) {
                tie.accept(start, end);
            }
        }
    }

    private sealed interface Piece permits Create, Destroy, Swap, Members, Coded, Fence {
        /** As an {@code ipset restore} line (a run: its first line). */
        String text();
    }

    /** HASH_SIZE 0 and a null INITVAL: the kernel's own. */
    private record Create(String name, IpSetSpec.Type type, int version, int hashSize, int maxElements, Integer initval)
            implements Piece {
        @Override
        public String text() {
            return "create " + name + " " + type.kernelName() + " family " + (version == 4 ? "inet" : "inet6")
                    + (hashSize > 0 ? " hashsize " + hashSize : "") + " maxelem " + maxElements
                    + (initval != null ? " initval 0x" + Integer.toHexString(initval) : "");
        }
    }

    /** What follows is sent only once everything before it was done without a refusal ({@link IpSetNetlink.Batch#fence}). */
    private record Fence() implements Piece {
        @Override
        public String text() {
            return "";
        }
    }

    private record Destroy(String name) implements Piece {
        @Override
        public String text() {
            return "destroy " + name;
        }
    }

    private record Swap(String from, String to) implements Piece {
        @Override
        public String text() {
            return "swap " + from + " " + to;
        }
    }

    /** "VERB SET MEMBER" for each member of SET (of TYPE and VERSION): in the order given, or (a whole set) in {@link #ordered} ORDER. */
    private record Members(String verb, String set, IpSetSpec.Type type, int version, Collection<String> members,
                           ToIntFunction<String> order) implements Piece {
        @Override
        public String text() {
            return verb + " " + set + " " + members.iterator().next();
        }

        Collection<String> inOrder() {
            return order != null ? ordered(members, order) : members;
        }
    }

    /**
     * "add SET MEMBER" for each member of a whole IPv4 set held as codes (more than {@link #TEXT_ORDER_UP_TO}), in
     * {@link #ordered(long[], LongToIntFunction)} ORDER: written to the kernel from the numbers, text made only for a
     * person's reading.
     */
    private record Coded(String set, long[] codes, LongToIntFunction order) implements Piece {
        @Override
        public String text() {
            return "add " + set + " " + Ipv4Member.text(codes[0]);
        }

        long[] inOrder() {
            return ordered(codes, order);
        }
    }

    /** The batch, as the planner makes it. */
    static final class Builder {
        private final List<Piece> pieces = new ArrayList<>();
        /** The maxelem of each set this batch creates. */
        private final int maxElements;
        private int lines;
        private int length;

        Builder() {
            this(IpSetPlanner.MAX_ELEMENTS);
        }

        Builder(int maxElements) {
            this.maxElements = maxElements;
        }

        /** Creates NAME of SET's type and family, with HASH_SIZE buckets (0: the kernel's default) and INITVAL (or null). */
        void create(String name, IpSetSpec set, int hashSize, Integer initval) {
            add(new Create(name, set.type(), set.version(), hashSize, maxElements, initval));
        }

        void destroy(String name) {
            add(new Destroy(name));
        }

        void swap(String from, String to) {
            add(new Swap(from, to));
        }

        /** The commands after this are sent only once every one before it was done ({@link Fence}): no line of its own. */
        void fence() {
            pieces.add(new Fence());
        }

        /** "VERB SET MEMBER" for each of MEMBERS (immutable, or not changed after), in the order given. */
        void members(String verb, IpSetSpec set, Collection<String> members) {
            members(verb, set.name(), set, members, null);
        }

        /**
         * "add NAME MEMBER" for each member of a whole set (immutable), in {@link #ordered} ORDER, or CODE_ORDER for a
         * large set of IPv4 codes ({@link MemberSet#codes}).
         */
        void wholeSet(String name, IpSetSpec set, ToIntFunction<String> order, LongToIntFunction codeOrder) {
            long[] codes = set.members().size() > TEXT_ORDER_UP_TO && set.members() instanceof MemberSet coded
                    ? coded.codes() : null;
            if (codes != null) {
                int text = 0;
                for (long code : codes) {
                    text += Ipv4Member.textLength(code);
                }
                pieces.add(new Coded(name, codes, codeOrder));
                lines += codes.length;
                length += text + codes.length * ("add".length() + name.length() + 3);
                return;
            }
            members("add", name, set, set.members(), order);
        }

        private void add(Piece piece) {
            pieces.add(piece);
            lines++;
            length += piece.text().length() + 1;
        }

        private void members(String verb, String name, IpSetSpec set, Collection<String> members, ToIntFunction<String> order) {
            if (members.isEmpty()) {
                return;
            }
            int text = 0;
            for (String member : members) {
                text += member.length();
            }
            pieces.add(new Members(verb, name, set.type(), set.version(), members, order));
            lines += members.size();
            length += text + members.size() * (verb.length() + name.length() + 3);
        }

        int lines() {
            return lines;
        }

        /** These commands, then LATER's. */
        Builder then(Builder later) {
            pieces.addAll(later.pieces);
            lines += later.lines;
            length += later.length;
            return this;
        }

        IpSetInput build() {
            return lines == 0 ? EMPTY : new IpSetInput(List.copyOf(pieces), lines, length);
        }
    }
}
