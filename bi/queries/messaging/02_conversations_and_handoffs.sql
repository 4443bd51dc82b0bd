-- Messaging: conversations and hand-offs by month, from the tenant's total rows (outlet_id null)
select cast(date_trunc('month', day) as date) as month, sum(total_conversations) as conversations,
       sum(total_handoffs) as handoffs
from marts.conversation_metrics_daily
where tenant_id = %(tenant_id)s and outlet_id is null and day >= %(since_month)s
group by 1
order by 1
