-- Messaging: cost per conversation by month, the month's costs over its conversations
select cast(date_trunc('month', day) as date) as month, sum(total_cost) as total_cost,
       sum(total_conversations) as conversations,
       sum(total_cost) / nullif(sum(total_conversations), 0) as cost_per_conversation
from marts.conversation_metrics_daily
where tenant_id = %(tenant_id)s and outlet_id is null and day >= %(since_month)s
group by 1
order by 1
