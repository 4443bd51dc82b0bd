-- Messaging: the top campaigns by campaign score (10 sends or more)
select campaign_name, campaign_score, messages_sent, delivery_rate, read_rate, reply_rate, total_cost_usd, status
from marts.campaign_performance
where tenant_id = %(tenant_id)s and messages_sent >= 10
order by campaign_score desc, messages_sent desc, campaign_id
limit 10
