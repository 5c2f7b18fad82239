// Package farm spreads proof and signature-batch jobs over a farm of
// `cairn prover` workers through NATS JetStream.
//
// # Usage
//
// A node submits jobs and gets verified results back:
//
//	js, _ := jetstream.New(nc)
//	sub, err := farm.NewSubmitter(ctx, js, map[string]farm.Verifier{rlnjob.Kind: rlnjob.Verifier{}})
//	defer sub.Close()
//	proof, err := sub.Submit(ctx, rlnjob.Kind, payload)
//
// A worker process runs handlers until its context ends:
//
//	w, err := farm.NewWorker(js, map[string]farm.Handler{rlnjob.Kind: h}, farm.WithConcurrency(1))
//	err = w.Run(ctx)
//
// # Subjects and streams
//
// Jobs go to the WorkQueue stream CAIRN_FARM_JOBS on cairn.farm.jobs.<kind>,
// with Nats-Msg-Id <job id>.<attempt>, so a resubmitted publish is
// stored once. Workers share one durable pull consumer per kind
// (workers-<kind>); each worker pulls one job per free slot, so an idle
// worker never holds jobs another could run. Results go to the stream
// CAIRN_FARM_RESULTS on cairn.farm.results.<submitter id>.<job id>, with
// the same Nats-Msg-Id, so JetStream drops a second result of one attempt.
// Workers advertise themselves in the KV bucket cairn-farm-workers.
//
// # Delivery
//
//   - A worker acknowledges a job only after JetStream has stored its
//     result. A worker killed mid-job loses nothing: the job is delivered
//     again after the consumer's AckWait. While a job runs the worker sends
//     InProgress every AckWait/4, so a long proof is not redelivered.
//   - A result is idempotent by job id: the submitter takes the first
//     result of the current attempt and ignores later ones (counted in
//     cairn_farm_duplicate_results_total).
//   - Every result is verified by the submitter with the kind's Verifier
//     before Submit returns it. A result that fails verification is
//     counted in cairn_farm_bad_results_total{worker}, logged with the
//     worker's id, and the job is submitted again as a new attempt (new
//     message id), up to MaxAttempts; then Submit fails with ErrBadResult
//     naming the workers.
//   - A handler error (bad input: a message id over the limit, a payload
//     that does not decode) is final: the worker stores an error result,
//     acknowledges the job, and Submit returns ErrJobFailed with the
//     worker's message. Retrying would fail the same way. A handler error
//     wrapping ErrWorkerFault (a broken backend on that worker) instead
//     puts the job back in the queue for any worker.
//   - A job delivered Config.MaxDeliver times without an acknowledgement
//     (a job that crashes every worker) is no longer delivered and ages
//     out of the stream after Config.JobTTL; its Submit ends with its
//     context, so give Submit a deadline.
//
// # Kinds
//
// A kind names a job type ([a-z0-9-], at most 32 bytes). Its Handler
// (worker side) turns a payload into a result; its Verifier (submitter
// side) checks a result against the payload the submitter knows. Package
// node/farm/rlnjob implements "rln-prove": checking a proof costs under 1%
// of making it, so the farm saves its submitters almost all the work.
// Package node/farm/sigjob implements "sig-verify" (signature batches
// through accel/sigbatch); its Verifier re-verifies the worker's verdicts,
// which for an all-valid batch is the worker's own work: see that
// package's doc for what the farm does and does not save there. Package
// node/farm/storagejob implements "storage-prove" (the Groth16 part of a
// storage proof, under keys the worker holds a copy of).
package farm
