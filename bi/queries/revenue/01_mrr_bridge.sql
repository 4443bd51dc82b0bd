-- Revenue: the MRR bridge, ARR and retention by month
select month, starting_mrr, new_mrr, expansion_mrr, reactivation_mrr, contraction_mrr, churned_mrr,
       ending_mrr, arr, net_revenue_retention, logo_churn_rate
from marts.mrr_monthly
where tenant_id = %(tenant_id)s and month >= %(since_month)s
order by month
