#!/usr/bin/env python3
"""Writes an OCI image layout with real gzip tar layers of random bytes, tagged "v1".

usage: make-layout.py DIR LAYERS LAYER_MIB

Layers use stored (level 0) deflate: a valid gzip stream every client accepts, quick to make, and no tool can shrink
it, so berth and skopeo move exactly the same bytes. Nothing is held in memory beyond 1 MiB.
"""
import gzip, hashlib, io, json, os, sys, tarfile

class RandomReader(io.RawIOBase):
    def __init__(self, size): self.left = size
    def readable(self): return True
    def readinto(self, b):
        n = min(len(b), self.left, 1 << 20)
        b[:n] = os.urandom(n); self.left -= n
        return n

class Hashing(io.RawIOBase):
    def __init__(self, inner): self.inner, self.hash, self.size = inner, hashlib.sha256(), 0
    def writable(self): return True
    def write(self, b):
        self.hash.update(b); self.size += len(b)
        return self.inner.write(b)

def put(root, data):
    digest = hashlib.sha256(data).hexdigest()
    with open(f"{root}/blobs/sha256/{digest}", "wb") as f: f.write(data)
    return {"digest": "sha256:" + digest, "size": len(data)}

def layer(root, index, size):
    tmp = f"{root}/blobs/sha256/tmp-{index}"
    with open(tmp, "wb") as raw:
        compressed = Hashing(raw)
        with gzip.GzipFile(fileobj=compressed, mode="wb", compresslevel=0, mtime=0) as gz:
            uncompressed = Hashing(gz)
            with tarfile.open(fileobj=uncompressed, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                info = tarfile.TarInfo(f"data-{index}.bin"); info.size = size
                tar.addfile(info, io.BufferedReader(RandomReader(size), 1 << 20))
    digest = compressed.hash.hexdigest()
    os.rename(tmp, f"{root}/blobs/sha256/{digest}")
    return {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "sha256:" + digest, "size": compressed.size}, "sha256:" + uncompressed.hash.hexdigest()

def main(root, layers, mib):
    os.makedirs(f"{root}/blobs/sha256", exist_ok=True)
    made = [layer(root, i, mib << 20) for i in range(layers)]
    config = {"architecture": "amd64", "os": "linux", "config": {"Cmd": ["/bin/true"]},
              "rootfs": {"type": "layers", "diff_ids": [d for _, d in made]}}
    config_desc = {"mediaType": "application/vnd.oci.image.config.v1+json", **put(root, json.dumps(config).encode())}
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": config_desc, "layers": [l for l, _ in made]}
    manifest_desc = {"mediaType": "application/vnd.oci.image.manifest.v1+json", **put(root, json.dumps(manifest).encode()),
                     "annotations": {"org.opencontainers.image.ref.name": "v1"}}
    with open(f"{root}/index.json", "w") as f: json.dump({"schemaVersion": 2, "manifests": [manifest_desc]}, f)
    with open(f"{root}/oci-layout", "w") as f: f.write('{"imageLayoutVersion":"1.0.0"}')

if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
