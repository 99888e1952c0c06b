package org.jcalico.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * The nf_tables ruleset generation of a network namespace, as {@code nft monitor} and libnftables' cache read it
 * (NFT_MSG_GETGEN over netfilter netlink, in-process): the kernel moves it by one with every transaction that
 * commits, whatever its tables and whoever sent it (iptables-nft, ip6tables-nft, nft, docker), and never otherwise. Two
 * equal readings mean that no rule, chain or nftables set of the namespace changed in between. ipsets are not
 * nf_tables and do not move it.
 */
public final class NftGeneration {
    private static final int NFNL_SUBSYS_NFTABLES = 10;
    private static final int NFT_MSG_GETGEN = 16;
    private static final int NFT_MSG_NEWGEN = 15;
    private static final int NFTA_GEN_ID = 1;
    /** nfgenmsg: family, version, resource id. */
    private static final int NFGENMSG = 4;
    private final NamespaceThread<NetlinkChannel> thread;

    NftGeneration(String namespace, long timeoutSeconds) {
        this.thread = new NamespaceThread<>(namespace, "nf_tables generation",
                () -> new NetlinkChannel(timeoutSeconds, NetlinkSocket.NETLINK_NETFILTER), timeoutSeconds);
    }

    /** The generation now: an unsigned 32-bit number that wraps. */
    public long read() {
        return thread.run(channel -> generation(channel.query(NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_GETGEN,
                writer -> writer.u8(0).u8(0).u16(0))));
    }

    private static long generation(List<NetlinkMessage> answer) {
        for (NetlinkMessage message : answer) {
            byte[] id = message.type() == (NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_NEWGEN)
                    ? message.attributes(NFGENMSG).get(NFTA_GEN_ID) : null;
            if (id != null && id.length == 4) {
                // in network byte order, as every nf_tables number
                return Integer.toUnsignedLong(ByteBuffer.wrap(id).order(ByteOrder.BIG_ENDIAN).getInt());
            }
        }
        throw new KernelException("nf_tables: no generation in the kernel's answer to NFT_MSG_GETGEN");
    }
}
