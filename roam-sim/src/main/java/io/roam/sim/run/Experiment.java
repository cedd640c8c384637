package io.roam.sim.run;

import io.roam.core.policy.Policies;
import io.roam.core.policy.Policy;
import io.roam.sim.engine.RunResult;
import io.roam.sim.engine.SimConfig;
import io.roam.sim.engine.Simulator;
import io.roam.sim.workload.Catalog;
import io.roam.sim.workload.MemorySizes;
import io.roam.sim.workload.Workload;
import java.util.random.RandomGeneratorFactory;

/**
 * One run: a policy, a workload offered at a load, a cluster. The workload is generated from the seed alone; the
 * policy gets its own generator, also from the seed, so every policy sees the same processes.
 *
 * @param info "probes", "gossip", or "auto" (the policy's own preference)
 */
public record Experiment(String policy, String workload, double load, String info, SimConfig config, MemorySizes memory) {
    public Experiment {
        if (!(load > 0 && load < 1.5)) throw new IllegalArgumentException("load " + load + " is outside (0, 1.5)");
        if (!info.equals("probes") && !info.equals("gossip") && !info.equals("auto"))
            throw new IllegalArgumentException("--info must be probes or gossip, got " + info);
    }

    public Policy newPolicy() {
        return Policies.create(policy, config.settings(),
                RandomGeneratorFactory.of("L64X128MixRandom").create(config.seed() * 31 + 0x5A17L));
    }

    public RunResult run() {
        Policy p = newPolicy();
        boolean gossip = info.equals("auto") ? p.prefersGossip() : info.equals("gossip");
        SimConfig c = config.withGossip(gossip);
        Workload w = Catalog.open(workload, c.nodes(), c.cores(), load, memory, c.seed());
        return new Simulator(c, p, w).run();
    }
}
