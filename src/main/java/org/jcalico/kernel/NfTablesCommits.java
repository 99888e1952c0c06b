package org.jcalico.kernel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.jcalico.util.Shown;

/**
 * Tells, at once, of each transaction another process commits to a network namespace's nf_tables (every iptables-nft,
 * ip6tables-nft and nft change: `nft flush ruleset`, a firewall's reload, docker's rules). It listens to nf_tables'
 * multicast group (NFNLGRP_NFTABLES) on a thread of its own, and reads the NFT_MSG_NEWGEN that ends each commit: it
 * names the committing task (NFTA_GEN_PROC_PID, a thread's id as the root pid namespace numbers it, and _NAME). A
 * commit is this process's own when that task is one of its threads (libnftables in-process), a process it started
 * (its iptables-restore and nft, also lately ended: {@link OwnProcesses}) or a descendant of one while it runs; any
 * other is foreign, also one by a tool under a tool's shell that ended before it was read (none of the agent's tools
 * that commit runs so). Notifications the socket had no room for (ENOBUFS: a commit of thousands of rules sends one
 * message a rule) are told as foreign too: what they said is lost. ipsets are not nf_tables: their changes are not
 * told. Each commit is told with the tables it touched ({@link Commit#tables}), read from the notifications of its
 * objects that precede its NEWGEN (the kernel sends one commit's notifications and then its NEWGEN under its commit
 * lock): each names its family in its nfgenmsg and its table in attribute 1 (NFTA_TABLE_NAME, NFTA_CHAIN_TABLE,
 * NFTA_RULE_TABLE, NFTA_SET_TABLE and the rest alike); a commit some of whose notifications were lost is told with
 * tables unknown (null). A rule's notification (NEWRULE, DELRULE) names its chain too (attribute 2, NFTA_RULE_CHAIN,
 * the chain's name at the commit); any other object's (a chain, even one renamed, a set, its elements, the table itself)
 * is told as touching its table as a whole ({@link Touched#chain} null).
 */
public final class NfTablesCommits implements AutoCloseable {
    private static final int NFNLGRP_NFTABLES = 7;
    private static final int NFT_MSG_NEWGEN = 10 << 8 | 15;
    private static final int NFTA_GEN_PROC_PID = 2;
    private static final int NFTA_GEN_PROC_NAME = 3;
    private static final int EAGAIN = 11;
    private static final int NFGENMSG = 4;
    private static final int NFNL_SUBSYS_NFTABLES = 10;
    /** An object's table: attribute 1 of every nf_tables object's notification. */
    private static final int TABLE = 1;
    private static final int NFT_MSG_NEWRULE = 10 << 8 | 6;
    private static final int NFT_MSG_DELRULE = 10 << 8 | 8;
    /** A rule's chain: attribute 2 of a rule's notification (NFTA_RULE_CHAIN). */
    private static final int RULE_CHAIN = 2;
    private static final Map<Integer, String> FAMILIES = Map.of(1, "inet", 2, "ip", 3, "arp", 5, "netdev", 7, "bridge", 10, "ip6");
    private static final long SELF = ProcessHandle.current().pid();
    private volatile boolean closed;

    /**
     * A commit of another program's: WHO made it ("pid 123 (nft)", or why it is unknown), and what it TOUCHED, or null
     * when not known (notifications lost, no longer listening). The names are the other program's to choose (its task's
     * name by prctl, a table's or chain's over netlink): their control characters are written out, since they reach
     * felix.log and `node status`'s warning, where an escape sequence would work on the reader's terminal.
     */
    public record Commit(String who, Set<Touched> touched) {
        public Commit {
            who = Shown.escaped(who);
        }

        /** The tables the commit touched, as nft names them ("ip filter", "ip6 jcalico"); null when not known. */
        public Set<String> tables() {
            return touched == null ? null : touched.stream().map(Touched::table).collect(java.util.stream.Collectors.toSet());
        }
    }

    /**
     * What one notification of a commit touched: a TABLE as nft names it ("ip filter"), and the CHAIN whose rule it
     * added or deleted; null for any other object, which counts as the whole table.
     */
    public record Touched(String table, String chain) {
        public Touched {
            table = Shown.escaped(table);
            chain = Shown.escaped(chain);
        }
    }

    /**
     * Starts listening in the namespace at NAMESPACE (null: this process's); FOREIGN is told, on the listening thread,
     * each foreign commit. Returns once the listening has begun.
     *
     * @throws KernelException when it cannot begin (no namespace, no nf_tables)
     */
    NfTablesCommits(String namespace, Consumer<Commit> foreign) {
        CountDownLatch listening = new CountDownLatch(1);
        AtomicReference<String> failure = new AtomicReference<>();
        Thread thread = new Thread(() -> {
            NetlinkSocket socket;
            try {
                socket = open(namespace);
            } catch (KernelException e) {
                failure.set(e.getMessage());
                listening.countDown();
                return;
            }
            try (socket) {
                listening.countDown();
                listen(socket, foreign);
            } catch (RuntimeException e) {
                // the commits from now on go untold: told once as one whose maker is unknown
                foreign.accept(new Commit("unknown: no longer listening (" + e.getMessage() + ")", null));
            }
        }, "nf_tables commits" + (namespace == null ? "" : " " + namespace));
        thread.setDaemon(true);
        thread.start();
        try {
            if (!listening.await(10, TimeUnit.SECONDS)) {
                closed = true;
                throw new KernelException("nf_tables' commits: not listening after 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
            throw new KernelException("nf_tables' commits: interrupted");
        }
        if (failure.get() != null) {
            throw new KernelException("cannot listen to nf_tables' commits: " + failure.get());
        }
    }

    /** A netfilter socket in the namespace (entered by this thread for good), in nf_tables' group. */
    private static NetlinkSocket open(String namespace) {
        if (namespace != null) {
            ThreadNamespace.enter(namespace);
        }
        // a receive times out each second: how long a closed watch's thread lives on
        NetlinkSocket socket = new NetlinkSocket(1, NetlinkSocket.NETLINK_NETFILTER);
        try {
            socket.join(NFNLGRP_NFTABLES);
            return socket;
        } catch (KernelException e) {
            socket.close();
            throw e;
        }
    }

    private void listen(NetlinkSocket socket, Consumer<Commit> foreign) {
        // what the commit under way touched so far; null once one of its notifications was lost
        Set<Touched> touched = new HashSet<>();
        while (!closed) {
            OwnProcesses.sweep();
            ByteBuffer datagram;
            try {
                datagram = socket.receive();
            } catch (NetlinkSocket.Failed e) {
                if (e.errno == NetlinkSocket.ENOBUFS) {
                    touched = null;
                    foreign.accept(new Commit("unknown: the kernel's notifications did not fit the socket's buffer", null));
                } else if (e.errno != EAGAIN) {
                    throw e;
                }
                continue;
            }
            for (NetlinkMessage message : NetlinkMessage.parse(datagram)) {
                if (message.type() == NFT_MSG_NEWGEN) {
                    Map<Integer, byte[]> attributes = message.attributes(NFGENMSG);
                    byte[] pid = attributes.get(NFTA_GEN_PROC_PID);
                    long task = pid != null && pid.length == 4
                            ? Integer.toUnsignedLong(ByteBuffer.wrap(pid).order(ByteOrder.BIG_ENDIAN).getInt()) : 0;
                    if (!ours(task)) {
                        byte[] name = attributes.get(NFTA_GEN_PROC_NAME);
                        foreign.accept(new Commit("pid " + task + " (" + (name == null ? "?" : NetlinkMessage.string(name)) + ")",
                                touched == null ? null : Set.copyOf(touched)));
                    }
                    touched = new HashSet<>();
                } else if (touched != null && message.type() >> 8 == NFNL_SUBSYS_NFTABLES) {
                    Touched object = touched(message);
                    if (object == null) {
                        touched = null;
                    } else {
                        touched.add(object);
                    }
                }
            }
        }
    }

    /** What an object's notification touched, or null when it does not tell its table. */
    private static Touched touched(NetlinkMessage message) {
        String family = message.body().limit() < NFGENMSG ? null : FAMILIES.get(Byte.toUnsignedInt(message.body().get(0)));
        byte[] name = family == null ? null : message.attribute(NFGENMSG, TABLE);
        if (name == null) {
            return null;
        }
        byte[] chain = message.type() == NFT_MSG_NEWRULE || message.type() == NFT_MSG_DELRULE
                ? message.attribute(NFGENMSG, RULE_CHAIN) : null;
        return new Touched(family + " " + NetlinkMessage.string(name), chain == null ? null : NetlinkMessage.string(chain));
    }

    /**
     * Whether TASK (a thread's id) is a thread of this process, one of the tools it started (running or lately ended:
     * {@link OwnProcesses}), or of a process descended from it (a tool under a tool's shell, while it runs).
     */
    static boolean ours(long task) {
        if (OwnProcesses.recent(task)) {
            return true;
        }
        long process = field(task, "Tgid:");
        for (int depth = 0; process > 1 && depth < 64; depth++) {
            if (process == SELF) {
                return true;
            }
            process = field(process, "PPid:");
        }
        return false;
    }

    /** A number of /proc/TASK/status, or 0 when the task is gone. */
    private static long field(long task, String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + task + "/status"), StandardCharsets.ISO_8859_1)) {
                if (line.startsWith(name)) {
                    return Long.parseLong(line.substring(name.length()).strip());
                }
            }
            return 0;
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    /** Stops listening: the thread ends within a second. */
    @Override
    public void close() {
        closed = true;
    }
}
