// Package deliver sends deliveries from the durable outbox to their webhooks:
// signed as Standard Webhooks prescribes, one logged attempt per HTTP request,
// with the retry schedule kept in the store so that it survives restarts.
//
// The Engine reads due deliveries in batches, hands them to two worker pools
// (first attempts and retries, so that first attempts never wait behind
// retries), holds back a webhook that is at its in-flight cap or out of rate
// tokens without blocking a worker on it, and commits the attempts of many
// workers in one transaction.
package deliver
