-- Customer Success: logo churn and monthly net revenue retention with their parts, and expansion MRR
select month, starting_customers, churned_customers, logo_churn_rate, starting_mrr, expansion_mrr, contraction_mrr,
       churned_mrr, net_revenue_retention
from marts.mrr_monthly
where tenant_id = %(tenant_id)s and month >= %(since_month)s
order by month
