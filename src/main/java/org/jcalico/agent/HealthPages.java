package org.jcalico.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.jcalico.health.HealthFacts;
import org.jcalico.health.HealthReport;

/**
 * The agent's /liveness and /readiness (docs/observability.md, "Health"): 200 when the report is ok, 503 when not,
 * the report as JSON either way, so that a probe needs only the status and a person reads why.
 */
final class HealthPages {
    static final String LIVENESS = "/liveness";
    static final String READINESS = "/readiness";
    private static final JsonMapper JSON = new JsonMapper();

    private HealthPages() {
    }

    /** @param facts gathers the readiness facts afresh, @param lastLoopMillis when the agent's loop last went round */
    static Map<String, Supplier<ControlServer.Page>> pages(Supplier<HealthFacts> facts, LongSupplier lastLoopMillis) {
        return Map.of(
                LIVENESS, () -> page(HealthReport.liveness(System.currentTimeMillis() - lastLoopMillis.getAsLong())),
                READINESS, () -> page(HealthReport.readiness(facts.get())));
    }

    static ControlServer.Page page(HealthReport report) {
        try {
            return new ControlServer.Page(report.ok() ? 200 : 503, "application/json", JSON.writeValueAsBytes(report));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a health report: " + e.getMessage(), e);
        }
    }
}
