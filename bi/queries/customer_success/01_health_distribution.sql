-- Customer Success: health bands and at-risk MRR by month
select month, healthy_accounts, stable_accounts, at_risk_accounts, critical_accounts, at_risk_mrr
from marts.customer_health_monthly
where tenant_id = %(tenant_id)s and month >= %(since_month)s
order by month
