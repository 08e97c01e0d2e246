"""Notices: nobody waits in the dark. Every event someone is waiting for (a decision on a case, a case
waiting for review, an import's result, a position taken down, and what other modules raise) becomes a
notice to the people concerned, in the 消息中心 and by email and SMS, written in the transaction of the
event (a transactional outbox) and delivered by `jianxi worker` processes at least once.

One job per module, bottom to top (the layers contract in setup.cfg holds this order):

- texts (the Chinese templates of templates/*.txt, filled and masked) | config (the ini's settings,
  the channels' failure);
- routing (which audience gets which channels: the definitions' `notify` and the defaults) |
  recipients (who is concerned: the one home of it) | smtp (email) | sms (the gateway adapter);
- outbox (notices and deliveries written beside their event) | center (the 消息中心) | delivery
  (claiming, sending, retrying; resending a failed one);
- jobs (periodic jobs, each once per interval across all workers);
- worker (the loop of `jianxi worker`).

The package sits just above engine.workflow: cases, batch and positions call outbox in their own
transactions, and only engine.cli starts a worker. Callers import names from the module that defines them.
"""
