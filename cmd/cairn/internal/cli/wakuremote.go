package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// relayClient talks to a node's nwaku-compatible relay REST API.
type relayClient struct{ base string }

func (a *apiFlag) relay(env *Env, g *globals) (*relayClient, error) {
	c, err := a.client(env, g) // resolves --api or the config's api_addr
	if err != nil {
		return nil, err
	}
	return &relayClient{base: c.BaseURL()}, nil
}

func (r *relayClient) do(ctx context.Context, method, path string, body any) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, r.base+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("relay API %s %s: %w (is the node running? start it with `cairn run`)", method, path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 300 {
		return nil, fmt.Errorf("relay API %s %s: %d %s", method, path, resp.StatusCode, strings.TrimSpace(string(out)))
	}
	return out, nil
}

func newWakuPublishCmd(env *Env, g *globals) *cobra.Command {
	var (
		api          apiFlag
		contentTopic string
		payload      string
		payloadHex   string
	)
	cmd := &cobra.Command{
		Use:   "publish --content-topic C (--payload TEXT | --payload-hex H)",
		Short: "Publish a Waku message through the running node's relay",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if contentTopic == "" {
				return usageError{fmt.Errorf("%s needs --content-topic", cmd.CommandPath())}
			}
			data := []byte(payload)
			if payloadHex != "" {
				var err error
				if data, err = decodeHexFlag("payload-hex", payloadHex); err != nil {
					return err
				}
			}
			rc, err := api.relay(env, g)
			if err != nil {
				return err
			}
			_, err = rc.do(cmd.Context(), http.MethodPost, "/relay/v1/auto/messages",
				map[string]any{"payload": data, "contentTopic": contentTopic, "timestamp": time.Now().UnixNano()})
			return err
		},
	}
	api.register(cmd)
	cmd.Flags().StringVar(&contentTopic, "content-topic", "", "content topic, /app/version/name/encoding")
	cmd.Flags().StringVar(&payload, "payload", "", "payload as text")
	cmd.Flags().StringVar(&payloadHex, "payload-hex", "", "payload as hex")
	return cmd
}

func newWakuSubscribeCmd(env *Env, g *globals) *cobra.Command {
	var (
		api   apiFlag
		every time.Duration
		count int
	)
	cmd := &cobra.Command{
		Use:   "subscribe CONTENT_TOPIC",
		Short: "Print the Waku messages the running node relays on a content topic, as JSON lines",
		Args:  exactlyOne("CONTENT_TOPIC"),
		RunE: func(cmd *cobra.Command, args []string) error {
			rc, err := api.relay(env, g)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			if _, err := rc.do(ctx, http.MethodPost, "/relay/v1/auto/subscriptions", []string{args[0]}); err != nil {
				return err
			}
			got := 0
			t := time.NewTicker(every)
			defer t.Stop()
			for {
				out, err := rc.do(ctx, http.MethodGet, "/relay/v1/auto/messages/"+url.PathEscape(args[0]), nil)
				if err != nil {
					if ctx.Err() != nil {
						return nil // Ctrl-C
					}
					return err
				}
				var msgs []json.RawMessage
				if err := json.Unmarshal(out, &msgs); err != nil {
					return fmt.Errorf("relay API: bad JSON: %w", err)
				}
				for _, m := range msgs {
					fmt.Fprintln(env.Stdout, string(m))
					if got++; count > 0 && got >= count {
						return nil
					}
				}
				select {
				case <-ctx.Done():
					return nil
				case <-t.C:
				}
			}
		},
	}
	api.register(cmd)
	cmd.Flags().DurationVar(&every, "every", time.Second, "how often to poll the node")
	cmd.Flags().IntVarP(&count, "count", "n", 0, "stop after this many messages (0: until interrupted)")
	return cmd
}
