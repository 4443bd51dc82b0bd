-- Executive: the monthly logo churn rate with its parts (churned over starting customers)
select month, starting_customers, churned_customers, logo_churn_rate
from marts.mrr_monthly
where tenant_id = %(tenant_id)s and month >= %(since_month)s
order by month
