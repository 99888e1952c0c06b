package org.jcalico.bench;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jcalico.felix.calc.Snapshot;
import org.jcalico.model.Action;
import org.jcalico.model.BgpConfiguration;
import org.jcalico.model.Cidr;
import org.jcalico.model.Direction;
import org.jcalico.model.EntityMatch;
import org.jcalico.model.FelixConfiguration;
import org.jcalico.model.IpPool;
import org.jcalico.model.IpamBlock;
import org.jcalico.model.Ports;
import org.jcalico.model.Profile;
import org.jcalico.model.Protocol;
import org.jcalico.model.Rule;
import org.jcalico.model.WorkloadEndpoint;

/**
 * The node `bench felix` programs, as a real node's agent sees it: one pool per family (their default block sizes, /26
 * and /122), the node's own blocks holding its SIZE endpoints and the ADDS to come (a real node's adds take their
 * addresses there: until session 64 the snapshot had no blocks, so every add was a lent one and paid for forgetting its
 * address's connections), REMOTE endpoints of another node in the blocks after them, and LENT adds whose addresses lie
 * past those, in no block of this node's: lent by another node's block when this one's are full (docs/ipam.md), timed
 * apart. Endpoint i has the i-th address of each family's pool, so that each add is a new address in its tag sets, as a
 * new container's (until session 49 the adds took remote endpoints' addresses, already in the sets); each in profile
 * "web" or "db" (db open to web on 5432, so that each address is in a tag set).
 */
public record FelixBenchNode(int size, int adds, int lent, int remote) {
    static final String NODE = "local";
    private static final IpPool POOL_V4 = new IpPool(Cidr.parse("10.96.0.0/12"), false, null, false);
    private static final IpPool POOL_V6 = new IpPool(Cidr.parse("fd96::/64"), false, null, false);
    /** The addresses of a block of either pool (64: /26 and /122), so that endpoint i's are in blocks of one index. */
    private static final int BLOCK = 1 << (32 - POOL_V4.blockSize());
    /** Its profiles, also those of the tests that count an add's work on its cluster (FelixBenchCluster). */
    public static final Map<String, Profile> PROFILES = profiles();

    /** The interfaces the endpoints need: the local ones, the adds and the lent adds. */
    int interfaces() {
        return size + adds + lent;
    }

    /** The I-th local endpoint, 0 up to SIZE + ADDS (the adds after the programmed ones): in the node's blocks. */
    WorkloadEndpoint local(int i) {
        return endpoint(NODE, i, i);
    }

    /** The I-th lent add, 0 up to LENT: its address after the remote endpoints', its interface after the adds'. */
    WorkloadEndpoint lentAdd(int i) {
        return endpoint(NODE, remoteStart() + remote + i, size + adds + i);
    }

    /** The local endpoints programmed first and the remote ones. */
    List<WorkloadEndpoint> programmed() {
        List<WorkloadEndpoint> endpoints = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            endpoints.add(local(i));
        }
        for (int i = 0; i < remote; i++) {
            endpoints.add(endpoint("remote", remoteStart() + i, -1));
        }
        return endpoints;
    }

    /** This node's blocks of each family: as many as SIZE + ADDS addresses fill, from the pools' start. */
    List<IpamBlock> blocks() {
        List<IpamBlock> blocks = new ArrayList<>();
        for (IpPool pool : List.of(POOL_V4, POOL_V6)) {
            for (int start = 0; start < remoteStart(); start += BLOCK) {
                blocks.add(new IpamBlock(Cidr.containing(address(pool, start), pool.blockSize()), NODE, Map.of()));
            }
        }
        return blocks;
    }

    Snapshot snapshot(FelixConfiguration config, List<WorkloadEndpoint> endpoints) {
        return new Snapshot(NODE, config, endpoints, PROFILES, List.of(POOL_V4, POOL_V6), blocks(), List.of(), List.of(),
                BgpConfiguration.DEFAULTS, List.of(), List.of(), List.of(), Map.of());
    }

    /** The first address past this node's blocks: where the other node's blocks begin. */
    private int remoteStart() {
        return Math.ceilDiv(size + adds, BLOCK) * BLOCK;
    }

    /** An endpoint at the ADDRESS-th address of each pool, local ones on the interface INTERFACE names. */
    private static WorkloadEndpoint endpoint(String node, int address, int iface) {
        return new WorkloadEndpoint(node, null, "bench-" + address, "e" + address,
                iface < 0 ? BenchInterfaces.name(address) : BenchInterfaces.name(iface), null,
                List.of(Cidr.host(address(POOL_V4, address))), List.of(Cidr.host(address(POOL_V6, address))),
                List.of(address % 2 == 0 ? "web" : "db"), null, null, null, null);
    }

    private static org.jcalico.model.IpAddress address(IpPool pool, int index) {
        return pool.cidr().addressAt(BigInteger.valueOf(index));
    }

    private static Map<String, Profile> profiles() {
        Rule webToDb = new Rule(Action.ALLOW, Protocol.parse("tcp"), null, new EntityMatch("web", null, null),
                new EntityMatch(null, null, Ports.parse("5432")), null, null, null);
        Profile web = Profile.securityGroup("web");
        Profile db = Profile.securityGroup("db");
        return Map.of("web", web, "db", db.withRules(Direction.INBOUND, List.of(db.inbound().get(0), webToDb)));
    }
}
