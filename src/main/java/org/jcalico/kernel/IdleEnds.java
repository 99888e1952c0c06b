package org.jcalico.kernel;

import java.io.IOException;

/**
 * What an idle agent does for the first time some 30 s after its start, done once by its AOT cache's training so that
 * the lambdas and method-handle forms it links are in the cache: a namespace thread that has idled for its bound closes
 * its netlink socket, and a tool session that has idled for its own stops its tool with the tool's process tree.
 * Linked then instead, at the idle agent's third resync, they spun some ten classes, whose generation had the optimizing
 * compiler compile the class-file API, and those compilations' memory stayed resident for the 5-10 s that HotSpot's
 * chunk pool and glibc keep it: the idle agent's RSS read at 30 s 3-5 MB higher whenever the reading fell in them
 * (docs/agent.md, "Session 62 (p-mem)"). It needs no privilege: a routing netlink socket is any user's.
 */
public final class IdleEnds {
    private IdleEnds() {
    }

    /** Opens and closes a netlink socket, and starts a process and stops it as a tool session stops its tool. */
    public static void rehearse() throws IOException, InterruptedException {
        new NetlinkSocket(1).close();
        Process tool = new ProcessBuilder("sleep", "30").redirectErrorStream(true).start();
        ProcessTree.kill(tool);
        tool.waitFor();
    }
}
