package org.jcalico.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import org.jcalico.util.Ipv4Member;
import org.junit.jupiter.api.Test;

class IpSetElementTest {
    /** A member written from its code is the same bytes as written from its text, which the kernel tests check. */
    @Test
    void aCodeIsEncodedAsItsText() {
        for (String member : List.of("10.0.0.5/32", "0.0.0.0/1", "192.168.100.0/24", "255.255.255.255/32",
                "10.0.0.5,tcp:80", "1.2.3.4,sctp:65535", "9.8.7.6,udplite:7", "10.1.2.3,udp:0")) {
            boolean ports = member.indexOf(',') >= 0;
            ByteBuffer text = ByteBuffer.allocate(IpSetElement.MAX_BYTES).order(ByteOrder.nativeOrder());
            IpSetElement.encode(text, member, ports, false);
            ByteBuffer code = ByteBuffer.allocate(IpSetElement.MAX_BYTES).order(ByteOrder.nativeOrder());
            IpSetElement.encode(code, Ipv4Member.parse(member));
            assertArrayEquals(Arrays.copyOf(text.array(), text.position()), Arrays.copyOf(code.array(), code.position()),
                    member);
        }
    }
}
