-- Customer Success: churned customers, lost MRR, tenure, last health band
select churn_month, customer_id, segment, lost_mrr, tenure_months, last_health_band
from marts.fct_customer_churn
where tenant_id = %(tenant_id)s and churn_month >= %(since_month)s
order by churn_month desc, lost_mrr desc
limit 100
