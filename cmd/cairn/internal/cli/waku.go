package cli

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cairn-node/cairn/node/relay/message"
)

func newWakuCmd(env *Env, g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "waku",
		Short: "Waku messages: hash, autosharding, publish and subscribe",
		Long: `waku computes what a Waku relay node computes for messages and topics, locally:
'hash' the deterministic message hash (RFC 14, as nwaku computes it) and
'shard' the relay shard of a content topic (RFC 51 autosharding). 'publish'
and 'subscribe' go through a running node's relay (--api).`,
	}
	cmd.AddCommand(newWakuHashCmd(env), newWakuShardCmd(env), newWakuPublishCmd(env, g), newWakuSubscribeCmd(env, g))
	return cmd
}

func newWakuHashCmd(env *Env) *cobra.Command {
	var (
		pubsubTopic, contentTopic, payloadHex, metaHex string
		timestamp                                      int64
	)
	cmd := &cobra.Command{
		Use:   "hash --pubsub-topic T --content-topic C [--payload-hex H] [--timestamp NS] [--meta-hex M]",
		Short: "Print the deterministic hash of a Waku message as lowercase hex",
		Long: `hash prints sha256(pubsub_topic || payload || content_topic || meta ||
timestamp as 8 big-endian bytes) as 64 lowercase hex digits without 0x, the
message hash nwaku computes (RFC 14). The timestamp bytes are always hashed,
also when --timestamp is 0 (js-waku leaves them out then). Hex values may
start with 0x.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, name := range []string{"pubsub-topic", "content-topic"} {
				if !cmd.Flags().Changed(name) {
					return usageError{fmt.Errorf("%s needs --%s", cmd.CommandPath(), name)}
				}
			}
			payload, err := decodeHexFlag("payload-hex", payloadHex)
			if err != nil {
				return err
			}
			meta, err := decodeHexFlag("meta-hex", metaHex)
			if err != nil {
				return err
			}
			if len(meta) > message.MaxMetaSize {
				return usageError{fmt.Errorf("--meta-hex is %d bytes, above the maximum %d", len(meta), message.MaxMetaSize)}
			}
			m := message.Message{Payload: payload, ContentTopic: contentTopic, Timestamp: timestamp, Meta: meta}
			h := message.Hash(pubsubTopic, m)
			_, err = fmt.Fprintln(env.Stdout, hex.EncodeToString(h[:]))
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&pubsubTopic, "pubsub-topic", "", "pubsub topic, e.g. /waku/2/rs/1/0 (required)")
	f.StringVar(&contentTopic, "content-topic", "", "content topic, e.g. /app/1/name/proto (required)")
	f.StringVar(&payloadHex, "payload-hex", "", "payload as hex (default empty)")
	f.Int64Var(&timestamp, "timestamp", 0, "message timestamp in nanoseconds since the Unix epoch")
	f.StringVar(&metaHex, "meta-hex", "", "meta as hex, at most 64 bytes (default empty)")
	return cmd
}

// decodeHexFlag decodes the hex value of flag name; a 0x prefix is allowed.
func decodeHexFlag(name, s string) ([]byte, error) {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, usageError{fmt.Errorf("--%s: %w", name, err)}
	}
	return b, nil
}

func newWakuShardCmd(env *Env) *cobra.Command {
	var (
		cluster uint16
		shards  int
	)
	cmd := &cobra.Command{
		Use:   "shard CONTENT_TOPIC",
		Short: "Print the pubsub topic (relay shard) of a content topic",
		Long: `shard prints the pubsub topic /waku/2/rs/<cluster>/<shard> that RFC 51
autosharding assigns to CONTENT_TOPIC (/app/version/name/encoding, or with a
/0 generation prefix), as nwaku computes it. The defaults are The Waku
Network's: cluster 1, 8 shards.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{fmt.Errorf("%s takes one CONTENT_TOPIC argument, got %d", cmd.CommandPath(), len(args))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if shards < 1 || shards > 1<<16 {
				return usageError{fmt.Errorf("--shards %d: want 1 to 65536", shards)}
			}
			ct, err := message.ParseContentTopic(args[0])
			if err != nil {
				return usageError{err}
			}
			_, err = fmt.Fprintln(env.Stdout, message.Shard(ct, cluster, shards))
			return err
		},
	}
	f := cmd.Flags()
	f.Uint16Var(&cluster, "cluster", message.DefaultClusterID, "cluster ID")
	f.IntVar(&shards, "shards", message.DefaultShardCount, "number of autosharding shards in the cluster")
	return cmd
}
