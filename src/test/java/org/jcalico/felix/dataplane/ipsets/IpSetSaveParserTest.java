package org.jcalico.felix.dataplane.ipsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.Set;
import org.jcalico.felix.hoststate.IpSetSpec;
import org.junit.jupiter.api.Test;

class IpSetSaveParserTest {
    @Test
    void readsOwnedSetsWithCanonicalMembersAndSkipsOthers() {
        String save = """
                create foreign hash:net family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0xe32ef0ca
                add foreign 10.9.9.9
                create jc-4t-a hash:net family inet hashsize 1024 maxelem 1048576 bucketsize 12 initval 0x3f3a2a00
                add jc-4t-a 10.0.0.5
                add jc-4t-a 10.1.0.0/16
                create jc-6t-a hash:net family inet6 hashsize 1024 maxelem 1048576 bucketsize 12 initval 0x53c73aa6
                add jc-6t-a fd00::5
                add jc-6t-a fd00:0:0:1::/64
                create jc-4t-empty hash:net family inet hashsize 1024 maxelem 1048576
                create jc-odd hash:ip family inet hashsize 1024 maxelem 65536
                add jc-odd 10.0.0.1
                create jc-4n-p hash:ip,port family inet hashsize 1024 maxelem 1048576 bucketsize 12 initval 0x579b9e2b
                add jc-4n-p 10.0.0.7,sctp:9000
                add jc-4n-p 10.0.0.5,tcp:80
                create jc-6n-p hash:ip,port family inet6 hashsize 1024 maxelem 1048576 bucketsize 12 initval 0x7765356
                add jc-6n-p fd00::7,udp:1
                """;
        IpSetSnapshot snapshot = IpSetSaveParser.parse(save);
        assertEquals(Map.of(
                "jc-4t-a", new IpSetSpec("jc-4t-a", 4, Set.of("10.0.0.5/32", "10.1.0.0/16")),
                "jc-6t-a", new IpSetSpec("jc-6t-a", 6, Set.of("fd00::5/128", "fd00:0:0:1::/64")),
                "jc-4t-empty", new IpSetSpec("jc-4t-empty", 4, Set.of()),
                "jc-4n-p", new IpSetSpec("jc-4n-p", IpSetSpec.Type.IP_PORT, 4, Set.of("10.0.0.7,sctp:9000", "10.0.0.5,tcp:80")),
                "jc-6n-p", new IpSetSpec("jc-6n-p", IpSetSpec.Type.IP_PORT, 6, Set.of("fd00::7,udp:1"))), snapshot.sets());
        assertEquals(Set.of("jc-odd"), snapshot.misfits());
    }
}
