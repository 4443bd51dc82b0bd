-- Messaging: the monthly delivery funnel, sent -> delivered -> read -> replied (all accounts)
select period_start, messages_sent, messages_delivered, messages_read, messages_replied,
       delivery_rate, read_rate, reply_rate
from marts.messaging_snapshots
where tenant_id = %(tenant_id)s and period_type = 'month' and whatsapp_account_id is null
  and period_start >= %(since_month)s
order by period_start
