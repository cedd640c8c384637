package io.roam.coordinator.balance;

import io.roam.core.policy.Residents;
import java.util.List;

/** One node's running jobs as a policy sees them; {@link #id} is the job's index in the tick's job list. */
public final class JobResidents implements Residents {
    /** One job: its index in the tick, CPU used (whole life), wall age, memory, balancer moves so far. */
    public record Resident(long id, double cpuSeconds, double ageSeconds, long memoryBytes, int migrations) {}

    private final List<Resident> residents;

    public JobResidents(List<Resident> residents) { this.residents = List.copyOf(residents); }

    @Override public int count() { return residents.size(); }

    @Override public long id(int i) { return residents.get(i).id(); }

    @Override public double cpuSeconds(int i) { return residents.get(i).cpuSeconds(); }

    @Override public double ageSeconds(int i) { return residents.get(i).ageSeconds(); }

    @Override public long memoryBytes(int i) { return residents.get(i).memoryBytes(); }

    @Override public int migrations(int i) { return residents.get(i).migrations(); }

    @Override public boolean running(int i) { return true; }

    public List<Resident> all() { return residents; }
}
