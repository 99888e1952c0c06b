package org.jcalico.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.jcalico.util.Ipv4Member;
import org.jcalico.util.Shown;

/**
 * ipsets of a runner's network namespace written over the kernel's own ipset protocol (netfilter netlink, subsystem
 * ipset), in-process: no ipset(8) per batch. The socket is opened on a thread of this object's own that entered the
 * namespace ({@link NamespaceThread}), so it is that namespace's and no other's.
 *
 * <p>What is sent is what {@code ipset -exist restore} sends for the same lines: each command one message carrying the
 * protocol version, without NLM_F_EXCL (so creating a set that exists with the same parameters, adding a member that
 * is there or deleting one that is not is no error, as with -exist); consecutive members of one set in one message, as
 * a list of elements (IPSET_ATTR_ADT), up to {@value #MESSAGE_BYTES} bytes a message. A set is created with the highest
 * revision of its type that the kernel has, as ipset does (asked once per type and family, IPSET_CMD_TYPE).
 *
 * <p>A {@link Batch} is made whole before anything is sent, each member checked and encoded ({@link IpSetElement}): a
 * value that is not a member of its set stops the batch before the kernel sees any of it. ipset's commands are not one
 * transaction: the kernel does each message in turn and refuses each on its own, and a sendmsg of many messages does
 * them all. So a batch goes out in exchanges, a new one before each create, swap and destroy, and the next exchange
 * is sent only when every message of the one before was acked without a refusal: the batch stops at the first refused
 * exchange, as restore stops at its first refused line (a swap never brings in a set whose filling was refused, a set
 * is never created after its old self could not be destroyed). Acks are counted ({@link NetlinkChannel}): a batch whose
 * answers were lost is {@link Rtnetlink.Interrupted}, its effect unknown.
 */
public final class IpSetNetlink {
    /** The most bytes of members in one message: an attribute's length is 16 bits, and a chunk's sendmsg is limited. */
    static final int MESSAGE_BYTES = 32 << 10;
    private static final int NFNL_SUBSYS_IPSET = 6;
    private static final int IPSET_PROTOCOL = 7;
    private static final int IPSET_CMD_CREATE = 2;
    private static final int IPSET_CMD_DESTROY = 3;
    private static final int IPSET_CMD_SWAP = 6;
    private static final int IPSET_CMD_LIST = 7;
    private static final int IPSET_CMD_ADD = 9;
    private static final int IPSET_CMD_DEL = 10;
    private static final int IPSET_CMD_TYPE = 13;
    private static final int IPSET_ATTR_PROTOCOL = 1;
    private static final int IPSET_ATTR_SETNAME = 2;
    private static final int IPSET_ATTR_TYPENAME = 3;
    private static final int IPSET_ATTR_SETNAME2 = 3;
    private static final int IPSET_ATTR_REVISION = 4;
    private static final int IPSET_ATTR_FAMILY = 5;
    private static final int IPSET_ATTR_FLAGS = 6;
    private static final int IPSET_ATTR_DATA = 7;
    private static final int IPSET_ATTR_ADT = 8;
    private static final int IPSET_ATTR_LINENO = 9;
    private static final int IPSET_ATTR_INITVAL = 17;
    private static final int IPSET_ATTR_HASHSIZE = 18;
    private static final int IPSET_ATTR_MAXELEM = 19;
    private static final int IPSET_ATTR_ELEMENTS = 24;
    private static final int NLA_F_NESTED = 0x8000;
    private static final int NLA_F_NET_BYTEORDER = 0x4000;
    /** A list's flag: each set's name and header only, as {@code ipset list -n} asks. */
    private static final int IPSET_FLAG_LIST_SETNAME = 1 << 1;
    /** A list's flag: each set's header without its members, as {@code ipset list -t} asks. */
    private static final int IPSET_FLAG_LIST_HEADER = 1 << 2;
    private static final int NFPROTO_UNSPEC = 0;
    private static final int NFPROTO_IPV4 = 2;
    private static final int NFPROTO_IPV6 = 10;
    /** nfgenmsg: family, version, resource id. */
    private static final int NFGENMSG = 4;
    private static final String TOOL = "ipset";
    private final NamespaceThread<NetlinkChannel> thread;
    private final BiConsumer<String, Boolean> observer;
    /** For tests: run before each message and after a batch's last, each message then sent on its own; or null. */
    private volatile Runnable probe;
    /** The revision each type is created with, by "TYPE FAMILY": the kernel's types do not change under it. */
    private final Map<String, Integer> revisions = new ConcurrentHashMap<>();

    IpSetNetlink(String namespace, BiConsumer<String, Boolean> observer, long timeoutSeconds) {
        this.thread = new NamespaceThread<>(namespace, "ipset",
                () -> new NetlinkChannel(timeoutSeconds, NetlinkSocket.NETLINK_NETFILTER), timeoutSeconds);
        this.observer = observer;
    }

    /** A refused command: the restore line it stands for (or its set and first member) and the kernel's words. */
    public record Refusal(String command, String error) {
        @Override
        public String toString() {
            return error + " (" + command + ")";
        }
    }

    /**
     * Sends the batch, exchange after exchange, until one is refused. No commands, no exchange (nor a run counted).
     *
     * @return null when the kernel did every command, else the first refusal (nothing after its exchange was sent)
     * @throws Rtnetlink.Interrupted when answers were lost: which commands took effect is unknown
     */
    public Refusal send(Batch batch) {
        if (batch.exchanges.isEmpty()) {
            return null;
        }
        return observed(channel -> {
            for (List<Command> exchange : batch.exchanges) {
                List<NetlinkChannel.Request> requests = new ArrayList<>(exchange.size());
                for (Command command : exchange) {
                    int revision = command.type() == null ? -1 : revision(channel, command.type(), command.family());
                    requests.add(request(command, revision));
                }
                Map<Integer, String> refused = probe == null ? channel.send(requests) : probed(channel, requests, probe);
                if (!refused.isEmpty()) {
                    int first = refused.keySet().stream().min(Integer::compare).orElseThrow();
                    return new Refusal(exchange.get(first).text(), refused.get(first));
                }
            }
            if (probe != null) {
                probe.run();
            }
            return null;
        }, refusal -> refusal != null);
    }

    /** REQUESTS one message a sendmsg with PROBE run before each, so that it sees every state the kernel passes through. */
    private static Map<Integer, String> probed(NetlinkChannel channel, List<NetlinkChannel.Request> requests, Runnable probe) {
        for (int i = 0; i < requests.size(); i++) {
            probe.run();
            String refused = channel.send(List.of(requests.get(i))).get(0);
            if (refused != null) {
                return Map.of(i, refused);
            }
        }
        return Map.of();
    }

    /**
     * Whether the namespace holds any set, of anyone's, asked as {@code ipset list -n} asks: a dump of each set's name
     * and header without its members, one message a set. A cold start's kernel holds none, and saying so took an
     * {@code ipset save} process on the rules' path.
     */
    public boolean holdsAnySet() {
        return observed(channel -> !channel.dump(NFNL_SUBSYS_IPSET << 8 | IPSET_CMD_LIST,
                writer -> writer.u8(NFPROTO_UNSPEC).u8(0).u16(0)
                        .attribute(IPSET_ATTR_PROTOCOL, new byte[] {IPSET_PROTOCOL})
                        .attribute(IPSET_ATTR_FLAGS | NLA_F_NET_BYTEORDER, Batch.bigEndian(IPSET_FLAG_LIST_SETNAME)))
                .isEmpty(), any -> false);
    }

    /**
     * A set's header: its name, the kernel's name of its type ("hash:net"), its family (4, 6, or 0 for another), how
     * many members it holds, and the seed of its hash (null: the header names none, as a set of another type's).
     */
    public record Header(String name, String type, int version, long elements, Integer initval) {
    }

    /**
     * Every set's header, as {@code ipset list -t} shows them: one dump of a message a set, no member read, so its cost
     * is the number of sets, not their size. Not counted as a run of the tool for the observer: it changes nothing, and
     * an agent looks every second (a count of runs would tick on an idle agent).
     */
    public List<Header> headers() {
        return thread.run(channel -> {
            List<Header> headers = new ArrayList<>();
            channel.dump(NFNL_SUBSYS_IPSET << 8 | IPSET_CMD_LIST,
                    writer -> writer.u8(NFPROTO_UNSPEC).u8(0).u16(0)
                            .attribute(IPSET_ATTR_PROTOCOL, new byte[] {IPSET_PROTOCOL})
                            .attribute(IPSET_ATTR_FLAGS | NLA_F_NET_BYTEORDER, Batch.bigEndian(IPSET_FLAG_LIST_HEADER)),
                    () -> {
                        // a dump read again from its start is read whole again
                        headers.clear();
                        return message -> header(message).ifPresent(headers::add);
                    });
            return List.copyOf(headers);
        });
    }

    private static Optional<Header> header(NetlinkMessage message) {
        byte[] name = message.attribute(NFGENMSG, IPSET_ATTR_SETNAME);
        byte[] type = message.attribute(NFGENMSG, IPSET_ATTR_TYPENAME);
        if (name == null || type == null) {
            return Optional.empty();
        }
        byte[] family = message.attribute(NFGENMSG, IPSET_ATTR_FAMILY);
        byte[] elements = message.attribute(NFGENMSG, IPSET_ATTR_DATA, IPSET_ATTR_ELEMENTS);
        byte[] initval = message.attribute(NFGENMSG, IPSET_ATTR_DATA, IPSET_ATTR_INITVAL);
        int version = family == null || family.length != 1 ? 0
                : family[0] == NFPROTO_IPV4 ? 4 : family[0] == NFPROTO_IPV6 ? 6 : 0;
        return Optional.of(new Header(NetlinkMessage.string(name), NetlinkMessage.string(type), version,
                elements == null || elements.length != 4 ? -1 : Integer.toUnsignedLong(ByteBuffer.wrap(elements).getInt()),
                initval == null || initval.length != 4 ? null : ByteBuffer.wrap(initval).getInt()));
    }

    /**
     * What a listing of the kernel's sets shows, in the kernel's order (the order {@code ipset save} prints): each set's
     * header, then its members, each while its message is read; nothing of a message is kept after it.
     */
    public interface Listing {
        /**
         * A set's header: its name, the kernel's name of its type ("hash:net"), its family (4, 6, or 0 for another)
         * and its maxelem (0 when the header names none).
         */
        void set(String name, String type, int version, int maxElements);

        /**
         * One member of SET (the set whose header came last): ADDRESS its 4 or 16 bytes (an array used again for the
         * next member), CIDR its prefix length or -1 (none: a set of addresses), PROTOCOL as ipset names it in a
         * member ("tcp") and PORT, or null and -1 (none: a set of nets). A member of a kind jcalico never writes (a
         * MAC, an ICMP type, a protocol it has no name for) comes with an empty ADDRESS.
         */
        void member(String set, byte[] address, int cidr, String protocol, int port);
    }

    /**
     * Lists every set of the namespace with its members, as {@code ipset save} does (one dump, IPSET_CMD_LIST), each
     * message shown to a listing of LISTINGS as it arrives: a dump read again from the start gets a fresh one.
     */
    public void list(Supplier<Listing> listings) {
        observed(channel -> {
            channel.dump(NFNL_SUBSYS_IPSET << 8 | IPSET_CMD_LIST,
                    writer -> writer.u8(NFPROTO_UNSPEC).u8(0).u16(0)
                            .attribute(IPSET_ATTR_PROTOCOL, new byte[] {IPSET_PROTOCOL}),
                    () -> new ListedMessages(listings.get()));
            return null;
        }, none -> false);
    }

    /**
     * Nf_tables finishes freeing the matches of the rules its last commits deleted when a netfilter netlink socket is
     * released, and a set such a match held can be destroyed only after: the socket is closed (the next use opens
     * another), as the exit of an {@code ipset} process that ran would close its own.
     */
    public void release() {
        thread.run(channel -> {
            channel.release();
            return null;
        });
    }

    /**
     * Reads one listing's messages: each message's header attributes, then its list of members, field by field into
     * this object's fields (100,000 members a resync on a big cluster's node: nothing made per member but its text).
     */
    private static final class ListedMessages implements Consumer<NetlinkMessage> {
        private final Listing listing;
        private final byte[] v4 = new byte[4];
        private final byte[] v6 = new byte[16];
        private final byte[] none = new byte[0];
        private final NetlinkMessage.AttributeVisitor lists = this::list;
        private final NetlinkMessage.AttributeVisitor elements = this::element;
        private final NetlinkMessage.AttributeVisitor fields = this::field;
        private final NetlinkMessage.AttributeVisitor addresses = this::address;
        /** The message being read, its body and its set's name. */
        private NetlinkMessage message;
        private ByteBuffer body;
        private String set;
        /** The fields of the member being read. */
        private byte[] address;
        private int cidr;
        private int protocol;
        private int port;

        ListedMessages(Listing listing) {
            this.listing = listing;
        }

        @Override
        public void accept(NetlinkMessage message) {
            byte[] name = message.attribute(NFGENMSG, IPSET_ATTR_SETNAME);
            if (name == null) {
                return;
            }
            this.message = message;
            body = message.body();
            set = NetlinkMessage.string(name);
            byte[] type = message.attribute(NFGENMSG, IPSET_ATTR_TYPENAME);
            if (type != null) {
                // a set's first message: its header; the messages after it carry its name and more members
                byte[] family = message.attribute(NFGENMSG, IPSET_ATTR_FAMILY);
                byte[] maxElements = message.attribute(NFGENMSG, IPSET_ATTR_DATA, IPSET_ATTR_MAXELEM);
                int version = family == null || family.length != 1 ? 0
                        : family[0] == NFPROTO_IPV4 ? 4 : family[0] == NFPROTO_IPV6 ? 6 : 0;
                listing.set(set, NetlinkMessage.string(type), version,
                        maxElements == null || maxElements.length != 4 ? 0 : ByteBuffer.wrap(maxElements).getInt());
            }
            message.eachAttribute(NFGENMSG, body.limit(), lists);
        }

        /** A top-level attribute: the list of members (IPSET_ATTR_ADT) is read, member by member. */
        private boolean list(int attribute, int value, int length) {
            if (attribute == IPSET_ATTR_ADT) {
                message.eachAttribute(value, value + length, elements);
            }
            return true;
        }

        /** One IPSET_ATTR_DATA of the list: its fields, then the member. */
        private boolean element(int attribute, int value, int length) {
            if (attribute != IPSET_ATTR_DATA) {
                return true;
            }
            address = none;
            cidr = -1;
            protocol = -1;
            port = -1;
            message.eachAttribute(value, value + length, fields);
            String name = protocol < 0 ? null : Ipv4Member.protocolName(protocol);
            listing.member(set, protocol >= 0 && name == null ? none : address, cidr, name, port);
            return true;
        }

        private boolean field(int attribute, int value, int length) {
            switch (attribute) {
                case IpSetElement.IPSET_ATTR_IP -> message.eachAttribute(value, value + length, addresses);
                case IpSetElement.IPSET_ATTR_CIDR -> cidr = length == 1 ? Byte.toUnsignedInt(body.get(value)) : -1;
                case IpSetElement.IPSET_ATTR_PROTO -> protocol = length == 1 ? Byte.toUnsignedInt(body.get(value)) : -1;
                // in network byte order
                case IpSetElement.IPSET_ATTR_PORT -> port = length == 2
                        ? Byte.toUnsignedInt(body.get(value)) << 8 | Byte.toUnsignedInt(body.get(value + 1)) : -1;
                default -> {
                    // a timeout, counters, a comment, flags: nothing jcalico writes or compares
                }
            }
            return true;
        }

        /** The address in IPSET_ATTR_IP: IPv4 or IPv6 (the first of them). */
        private boolean address(int kind, int value, int length) {
            byte[] into = kind == IpSetElement.IPSET_ATTR_IPADDR_IPV4 && length == 4 ? v4
                    : kind == IpSetElement.IPSET_ATTR_IPADDR_IPV6 && length == 16 ? v6 : null;
            if (into != null) {
                body.get(value, into);
                address = into;
            }
            return false;
        }
    }

    /** For tests: the socket is closed once {@code requests} more messages were sent (a batch cut mid-way). */
    public void closeMidBatch(int requests) {
        thread.run(channel -> {
            channel.closeAfter(requests);
            return null;
        });
    }

    /**
     * For tests: PROBE (or null: none) runs on this object's thread before each message of every batch and after its
     * last, each message then sent on its own: the probe sees each state the kernel passes through.
     */
    public void probeBetweenMessages(Runnable probe) {
        this.probe = probe;
    }

    private static NetlinkChannel.Request request(Command command, int revision) {
        return new NetlinkChannel.Request(NFNL_SUBSYS_IPSET << 8 | command.command(), 0, writer -> {
            writer.u8(command.family()).u8(0).u16(0).attribute(IPSET_ATTR_PROTOCOL, new byte[] {IPSET_PROTOCOL});
            if (revision >= 0) {
                writer.attribute(IPSET_ATTR_REVISION, new byte[] {(byte) revision});
            }
            command.attributes().accept(writer);
        });
    }

    /** The highest revision of TYPE the kernel has for FAMILY, as ipset creates sets. */
    private int revision(NetlinkChannel channel, String type, int family) {
        return revisions.computeIfAbsent(type + " " + family, key -> {
            for (NetlinkMessage message : channel.query(NFNL_SUBSYS_IPSET << 8 | IPSET_CMD_TYPE,
                    writer -> writer.u8(family).u8(0).u16(0).attribute(IPSET_ATTR_PROTOCOL, new byte[] {IPSET_PROTOCOL})
                            .attribute(IPSET_ATTR_TYPENAME, type).attribute(IPSET_ATTR_FAMILY, new byte[] {(byte) family}))) {
                byte[] revision = message.attributes(NFGENMSG).get(IPSET_ATTR_REVISION);
                if (revision != null && revision.length == 1) {
                    return Byte.toUnsignedInt(revision[0]);
                }
            }
            throw new KernelException("ipset: the kernel named no revision of the set type " + type);
        });
    }

    private <T> T observed(Function<NetlinkChannel, T> work, Predicate<T> refused) {
        return thread.observed(work, refused, TOOL, observer);
    }

    /** One message: the command, its family, the set type whose revision it names (a create), and its attributes. */
    private record Command(String text, int command, int family, String type, Consumer<NetlinkWriter> attributes) {
    }

    /**
     * Commands to send, in order, each checked and encoded as it is added: a value the kernel could not take as meant
     * (a set name too long or holding a control character, a member that is not one of its set) is refused here.
     */
    public static final class Batch {
        private final List<List<Command>> exchanges = new ArrayList<>();
        /** Whether the next member command starts an exchange of its own ({@link #fence}). */
        private boolean fenced;

        /**
         * As {@code create NAME TYPE family inet|inet6 [hashsize H] maxelem M [initval 0xI]} (TEXT): HASHSIZE 0 and a
         * null INITVAL leave the kernel's own.
         */
        public Batch create(String text, String name, String type, boolean v6, int hashSize, int maxElements, Integer initval) {
            byte[] setName = name(name);
            byte[] typeName = name(type);
            int family = v6 ? NFPROTO_IPV6 : NFPROTO_IPV4;
            return barrier(new Command(text, IPSET_CMD_CREATE, family, type, writer -> {
                writer.attribute(IPSET_ATTR_SETNAME, setName).attribute(IPSET_ATTR_TYPENAME, typeName)
                        .attribute(IPSET_ATTR_FAMILY, new byte[] {(byte) family}).nest(IPSET_ATTR_DATA | NLA_F_NESTED);
                if (hashSize > 0) {
                    writer.attribute(IPSET_ATTR_HASHSIZE | NLA_F_NET_BYTEORDER, bigEndian(hashSize));
                }
                writer.attribute(IPSET_ATTR_MAXELEM | NLA_F_NET_BYTEORDER, bigEndian(maxElements));
                if (initval != null) {
                    writer.attribute(IPSET_ATTR_INITVAL | NLA_F_NET_BYTEORDER, bigEndian(initval));
                }
                writer.endNest();
            }));
        }

        /** As {@code destroy NAME} (TEXT). */
        public Batch destroy(String text, String name) {
            byte[] setName = name(name);
            return barrier(new Command(text, IPSET_CMD_DESTROY, NFPROTO_IPV4, null,
                    writer -> writer.attribute(IPSET_ATTR_SETNAME, setName)));
        }

        /** As {@code swap FROM TO} (TEXT). */
        public Batch swap(String text, String from, String to) {
            byte[] first = name(from);
            byte[] second = name(to);
            return barrier(new Command(text, IPSET_CMD_SWAP, NFPROTO_IPV4, null,
                    writer -> writer.attribute(IPSET_ATTR_SETNAME, first).attribute(IPSET_ATTR_SETNAME2, second)));
        }

        /**
         * As {@code add|del SET MEMBER} for each member, in order, in as few messages as fit: of a hash:ip,port set when
         * PORTS, else of a hash:net set, of IPv6 when V6 ({@link IpSetElement}).
         */
        public Batch members(boolean add, String set, boolean ports, boolean v6, Collection<String> members) {
            Elements elements = new Elements(add, set, v6, members.size());
            for (String member : members) {
                IpSetElement.encode(elements.room(member, -1), member, ports, v6);
            }
            elements.end();
            return this;
        }

        /**
         * As {@code add|del SET MEMBER} for each IPv4 member in CODES ({@link Ipv4Member}), in order: encoded from the
         * numbers, with no text but each message's first member's (what a refusal names).
         */
        public Batch members(boolean add, String set, long[] codes) {
            Elements elements = new Elements(add, set, false, codes.length);
            for (long code : codes) {
                IpSetElement.encode(elements.room(null, code), code);
            }
            elements.end();
            return this;
        }

        /** A run of members into as few messages as fit, each message's first member named by its text. */
        private final class Elements {
            private final boolean add;
            private final String set;
            private final byte[] setName;
            private final boolean v6;
            private ByteBuffer elements;
            private String firstText;
            private long firstCode;
            private int count;
            private int left;

            Elements(boolean add, String set, boolean v6, int members) {
                this.add = add;
                this.set = set;
                this.setName = name(set);
                this.v6 = v6;
                this.left = members;
            }

            /** The buffer with room for a member (its TEXT, or else its CODE), a new message's if the last is full. */
            ByteBuffer room(String text, long code) {
                if (elements == null || elements.remaining() < IpSetElement.MAX_BYTES) {
                    end();
                    // a few members (a change) take a few bytes
                    elements = ByteBuffer.allocate((int) Math.min(MESSAGE_BYTES, (long) left * IpSetElement.MAX_BYTES))
                            .order(ByteOrder.nativeOrder());
                    firstText = text;
                    firstCode = code;
                    count = 0;
                }
                count++;
                left--;
                return elements;
            }

            void end() {
                if (elements != null && count > 0) {
                    current().add(adt(add, set, setName, v6, elements,
                            firstText != null ? firstText : Ipv4Member.text(firstCode), count));
                }
                elements = null;
            }
        }

        /**
         * The commands after this one go in a new exchange, sent only once every command before was done without a
         * refusal: for a command that must not land unless the ones before it did (a change behind its hold).
         */
        public Batch fence() {
            fenced = true;
            return this;
        }

        public boolean isEmpty() {
            return exchanges.isEmpty();
        }

        private static Command adt(boolean add, String set, byte[] setName, boolean v6, ByteBuffer elements, String first,
                                   int count) {
            byte[] bytes = elements.array();
            int length = elements.position();
            String text = (add ? "add " : "del ") + set + " " + first + (count > 1 ? " and " + (count - 1) + " more" : "");
            return new Command(text, add ? IPSET_CMD_ADD : IPSET_CMD_DEL, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4, null,
                    // the kernel takes a list only with a line number; 0 asks for a refusal's plain answer (a line
                    // number above 0 has it echo the whole message back with the number of the refused member)
                    writer -> writer.attribute(IPSET_ATTR_SETNAME, setName).attribute(IPSET_ATTR_LINENO, 0)
                            .nest(IPSET_ATTR_ADT | NLA_F_NESTED).encoded(bytes, length).endNest());
        }

        /** The command starts an exchange of its own, sent only once the one before was done without a refusal. */
        private Batch barrier(Command command) {
            exchanges.add(new ArrayList<>(List.of(command)));
            fenced = false;
            return this;
        }

        private List<Command> current() {
            if (exchanges.isEmpty() || fenced) {
                exchanges.add(new ArrayList<>());
                fenced = false;
            }
            return exchanges.getLast();
        }

        /** A set or type name as the kernel takes it: NUL-terminated, within IPSET_MAXNAMELEN (32 with the NUL). */
        private static byte[] name(String name) {
            byte[] text = name.getBytes(StandardCharsets.UTF_8);
            if (text.length == 0 || text.length > 31 || CommandText.hasControl(name)) {
                throw new KernelException("refused the ipset name '" + Shown.escaped(name)
                        + "': empty, longer than 31 bytes or holding a control character");
            }
            byte[] terminated = new byte[text.length + 1];
            System.arraycopy(text, 0, terminated, 0, text.length);
            return terminated;
        }

        private static byte[] bigEndian(int value) {
            return ByteBuffer.allocate(4).order(ByteOrder.BIG_ENDIAN).putInt(value).array();
        }
    }
}
