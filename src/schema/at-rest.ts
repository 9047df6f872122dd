import { Type } from "@sinclair/typebox";

/** What can encrypt Badger's files from below, since Jaeger cannot ask Badger to. */
export const AT_REST_PROVIDERS = ["luks", "encrypted-filesystem", "encrypted-volume"] as const;

/*
 * Jaeger v2.13.0 (v1.76.0) builds its Badger options from its own Badger config (directories,
 * ephemeral, consistency, ttl, maintenance and metrics intervals, read_only) and never sets Badger's
 * EncryptionKey, EncryptionKeyRotationDuration or IndexCacheSize: the real binary refuses an
 * `encryption_key_file` under `badger` as an invalid key. So what encrypts the spans at rest is
 * outside Jaeger, and the description says what it is.
 */
export const EncryptionAtRest = Type.Object(
  {
    provided_by: Type.Union(
      AT_REST_PROVIDERS.map((provider) => Type.Literal(provider)),
      {
        description:
          "What encrypts the Badger directory: `luks` (a dm-crypt/LUKS block device, AES-XTS), `encrypted-filesystem` (fscrypt on ext4/f2fs), or `encrypted-volume` (a cloud provider's disk encrypted with a KMS key).",
      },
    ),
    key_management: Type.String({
      minLength: 1,
      description:
        "Where the key is held and how it is rotated, for whoever audits the deployment (a KMS key alias, a LUKS key slot held by the host's TPM); never the key itself.",
    }),
  },
  {
    additionalProperties: false,
    description:
      "Encryption at rest of the trace store. Jaeger's Badger storage cannot encrypt its files (Jaeger v2.13.0 does not pass an encryption key to Badger), so the directory must sit on encrypted storage; production requires this to be declared.",
  },
);
