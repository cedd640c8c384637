package io.roam.criu.image;

import io.roam.criu.CriuInfo;
import io.roam.proto.JobSpec;
import io.roam.proto.MappedFile;

import java.util.List;
import java.util.Objects;

/**
 * What {@link ImageManifests#write} records next to CRIU's images. {@code mappedFiles} come from
 * {@link MappedFiles#collect}, taken before the dump; {@code hmacKey} is the cluster secret.
 */
public record ManifestInputs(String checkpointId, String jobId, String clusterId, String node, JobSpec spec,
                             boolean leaveRunning, long dumpMs, List<MappedFile> mappedFiles, CriuInfo criu,
                             byte[] hmacKey) {
    public ManifestInputs {
        Objects.requireNonNull(checkpointId, "checkpointId");
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(clusterId, "clusterId");
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(criu, "criu");
        mappedFiles = List.copyOf(mappedFiles);
        if (hmacKey == null || hmacKey.length == 0) throw new IllegalArgumentException("the cluster's HMAC key is empty");
        hmacKey = hmacKey.clone();
    }

    @Override public byte[] hmacKey() { return hmacKey.clone(); }
}
