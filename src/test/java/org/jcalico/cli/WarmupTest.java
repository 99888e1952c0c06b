package org.jcalico.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.jcalico.model.Cidr;
import org.jcalico.model.IpPool;
import org.jcalico.model.ResourceCodec;
import org.junit.jupiter.api.Test;

class WarmupTest {
    /** The warm-up decodes a stored pool: if the stored form changed, it would warm up another way than a list's. */
    @Test
    void warmsUpWithThePoolAsTheDatastoreStoresIt() {
        IpPool pool = new IpPool(Cidr.parse("10.0.0.0/8"), false, null, false);
        assertEquals(ResourceCodec.toJson(pool), Warmup.STORED_POOL);
        assertEquals(pool, ResourceCodec.fromJson(Warmup.STORED_POOL));
    }
}
