package org.jcalico.felix.program;

import org.jcalico.felix.hoststate.IptablesState;
import org.jcalico.model.DataplaneDriver;

/**
 * Turns the neutral model into what a dataplane driver applies. Each rendered chain keeps its rules' origins, one per
 * rendered rule, in order ({@link org.jcalico.felix.hoststate.Chain#origins()}).
 */
public interface Renderer {
    IptablesState render(ProgramTables tables);

    /** The driver that applies what this renderer writes. */
    default DataplaneDriver driver() {
        return DataplaneDriver.IPTABLES;
    }
}
