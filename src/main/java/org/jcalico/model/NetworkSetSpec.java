package org.jcalico.model;

import java.util.List;

public record NetworkSetSpec(List<Cidr> nets) {
    public NetworkSetSpec {
        nets = Lists.copy("spec.nets", nets);
    }
}
