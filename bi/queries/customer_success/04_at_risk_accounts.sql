-- Customer Success: paying customers in the at_risk or critical band, largest MRR first
select customer_id, account_name, segment, current_mrr, latest_health_score, latest_health_band
from marts.dim_customers
where tenant_id = %(tenant_id)s and latest_health_band in ('at_risk', 'critical') and current_mrr > 0
order by current_mrr desc
limit 50
