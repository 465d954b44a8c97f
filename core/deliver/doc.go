// Package deliver sends deliveries from the durable outbox to their webhooks:
// signed as Standard Webhooks prescribes, one logged attempt per HTTP request,
// with the long steps of the retry schedule kept in the store so that they
// survive restarts.
//
// The Engine reads due deliveries in batches and hands them to the
// first-attempt workers or to the retry lane, so that first attempts never
// wait behind retries; it holds back a webhook that is at its in-flight cap
// or out of rate tokens without blocking a worker on it, sends from a
// core.WebhookCache (shared with the poller, and refreshed with only what
// changed) beside which it keeps only the delivery state of the webhooks
// sending lately, and commits the attempts of many workers in one
// transaction.
//
// Every request goes through a go-retryablehttp client whose hooks record
// it (see worker). A failed first attempt whose next step is short
// (core.ShortRetry) moves to the retry lane, where go-retryablehttp waits
// out the step and makes the retry in process; each try is committed as an
// attempt before the wait that follows it, so the outbox always holds the
// delivery, due at its next attempt time, should the process die.
package deliver
